/* The runtime's test suites, one per file, run together by main.c. */
#ifndef RUNTIME_SUITES_H
#define RUNTIME_SUITES_H

#include <check.h>

Suite *goroutine_suite(void);
Suite *chan_suite(void);
Suite *select_suite(void);
Suite *sync_suite(void);
Suite *atomic_suite(void);
Suite *deadlock_suite(void);
Suite *leak_suite(void);
Suite *stress_suite(void);
Suite *time_suite(void);
Suite *context_suite(void);
Suite *trace_suite(void);

#endif
