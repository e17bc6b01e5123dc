/*
 * The analysis.json metric keys the rules may name: the one table of the gait stage (gait.h
 * gs_metric_info). A rule naming a key not listed there is rejected when the rules file is
 * loaded, so a typo never silently disables a rule.
 */
#include <string.h>

#include "nkt_impl.h"

size_t gs_nkt_metric_count(void)
{
    return gs_metric_count();
}

const char *gs_nkt_metric_key(size_t i)
{
    const gs_metric_info *m = gs_metric_at(i);
    return m ? m->key : NULL;
}

int gs_nkt__metric_find(const char *key)
{
    for (size_t i = 0; key && i < gs_metric_count(); i++)
        if (!strcmp(gs_metric_at(i)->key, key))
            return (int)i;
    return -1;
}

const gs_nkt__metric *gs_nkt__metric_at(int i)
{
    return i >= 0 ? gs_metric_at((size_t)i) : NULL;
}
