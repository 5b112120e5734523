/* Runs every runtime suite. Fork mode always: each test is its own process,
 * so a panic or deadlock ends one test, and TSan and Helgrind tie each
 * finding to the test that caused it. */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
    check_set_max_msg_size(16384); /* leak reports and dumps: over the default 4 KiB */
    SRunner *sr = srunner_create(goroutine_suite());
    srunner_add_suite(sr, chan_suite());
    srunner_add_suite(sr, select_suite());
    srunner_add_suite(sr, sync_suite());
    srunner_add_suite(sr, atomic_suite());
    srunner_add_suite(sr, deadlock_suite());
    srunner_add_suite(sr, leak_suite());
    srunner_add_suite(sr, stress_suite());
    srunner_add_suite(sr, time_suite());
    srunner_add_suite(sr, context_suite());
    srunner_add_suite(sr, trace_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
