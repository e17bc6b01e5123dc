/* Must NOT compile (ctest module_walls): gs_report depends PUBLIC on gs_gait, so gait.h is
 * reachable from here, but gait_impl.h is gait's private header and is not. */
#include "gait_impl.h"

int gs_wall_probe(void);
int gs_wall_probe(void)
{
    return 0;
}
