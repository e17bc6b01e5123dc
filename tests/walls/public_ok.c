/* Must compile (ctest module_walls_public), the control of stray_impl.c: the same target sees
 * report.h and, through report's PUBLIC dependency, gait.h. */
#include "gait.h"
#include "report.h"

int gs_wall_probe(void);
int gs_wall_probe(void)
{
    return GS_GAIT_SIDE_RIGHT;
}
