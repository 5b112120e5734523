/* Wrong (always 55), shipped with a header and tests of its own that would
 * give it full marks. Graded against the pristine ones it earns 1 point. */
#include "sum.h"

long(sum_to)(int n) /* parentheses: immune to the tampered header's macro */
{
    (void)n;
    return 55;
}
