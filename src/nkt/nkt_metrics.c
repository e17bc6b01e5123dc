/*
 * The one table of analysis.json metric keys the rules may name (DESIGN.md "Artifacts"), with
 * the unit and how values may be compared. A rule naming a key not listed here is rejected when
 * the rules file is loaded, so a typo never silently disables a rule.
 */
#include <string.h>

#include "nkt_impl.h"

/*
 * kind: ANGLE for angles (near zero, may be negative): asymmetries are degree differences
 * compared with the pooled stride SD, never SI %, because SI = 100 (L - R) / (0.5 (L + R))
 * explodes when L + R is near zero (DESIGN.md conventions; ../shared/REFERENCES.md section 5).
 * POSITIVE for strictly positive quantities, where SI % is meaningful. SIGNED for lengths that
 * may cross zero (foot placement is negative on a crossover). Keys and meanings follow the gait
 * stage (src/gait/gait_metrics.c, docs/metrics.md).
 */
static const gs_nkt__metric metrics[] = {
    /* temporal, every view */
    {"cadence_spm", "steps/min", GS_NKT__MK_POSITIVE, 1},
    {"step_time_ms", "ms", GS_NKT__MK_POSITIVE, 0},
    {"stride_time_ms", "ms", GS_NKT__MK_POSITIVE, 0},
    {"ground_contact_ms", "ms", GS_NKT__MK_POSITIVE, 0},
    {"flight_ms", "ms", GS_NKT__MK_SIGNED, 0}, /* can be 0 or negative: no SI */
    {"duty_factor", "fraction", GS_NKT__MK_POSITIVE, 0},
    {"stance_pct", "%", GS_NKT__MK_POSITIVE, 0},
    {"swing_pct", "%", GS_NKT__MK_POSITIVE, 0},
    {"double_support_pct", "%", GS_NKT__MK_SIGNED, 0},
    {"speed_m_s", "m/s", GS_NKT__MK_POSITIVE, 0},
    {"step_length_cm", "cm", GS_NKT__MK_POSITIVE, 0},
    {"step_length_ll", "leg lengths", GS_NKT__MK_POSITIVE, 0},
    {"stride_length_cm", "cm", GS_NKT__MK_POSITIVE, 0},
    {"stride_length_ll", "leg lengths", GS_NKT__MK_POSITIVE, 0},
    /* sagittal, side views */
    {"knee_flexion_ic_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"knee_flexion_peak_stance_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"knee_flexion_peak_swing_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"hip_extension_peak_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"hip_flexion_peak_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"ankle_dorsiflexion_peak_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"foot_strike_angle_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"shank_angle_ic_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"overstride_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"overstride_cm", "cm", GS_NKT__MK_SIGNED, 0},
    {"overstride_ll", "leg lengths", GS_NKT__MK_SIGNED, 0},
    {"trunk_lean_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"trunk_lean_stance_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"elbow_flexion_mean_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"shoulder_flexion_range_deg", "deg", GS_NKT__MK_ANGLE, 0}, /* arm swing */
    {"vertical_oscillation_cm", "cm", GS_NKT__MK_POSITIVE, 0},
    {"vertical_oscillation_ll", "leg lengths", GS_NKT__MK_POSITIVE, 0},
    {"knee_flexion_ic_3d_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"knee_flexion_peak_stance_3d_deg", "deg", GS_NKT__MK_ANGLE, 0},
    /* frontal, rear / front views */
    {"pelvic_drop_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"hip_hike_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"hip_adduction_peak_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"knee_fppa_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"trunk_lateral_lean_deg", "deg", GS_NKT__MK_ANGLE, 0},
    {"step_width_cm", "cm", GS_NKT__MK_POSITIVE, 0},
    {"step_width_ll", "leg lengths", GS_NKT__MK_POSITIVE, 0},
    {"foot_placement_cm", "cm", GS_NKT__MK_SIGNED, 0}, /* < 0: across the midline */
    {"foot_placement_ll", "leg lengths", GS_NKT__MK_SIGNED, 0},
    {"circumduction_cm", "cm", GS_NKT__MK_SIGNED, 0},
    {"circumduction_ll", "leg lengths", GS_NKT__MK_SIGNED, 0},
};

size_t gs_nkt_metric_count(void)
{
    return sizeof(metrics) / sizeof(metrics[0]);
}

const char *gs_nkt_metric_key(size_t i)
{
    return i < gs_nkt_metric_count() ? metrics[i].key : NULL;
}

int gs_nkt__metric_find(const char *key)
{
    if (!key)
        return -1;
    for (size_t i = 0; i < gs_nkt_metric_count(); i++)
        if (!strcmp(metrics[i].key, key))
            return (int)i;
    return -1;
}

const gs_nkt__metric *gs_nkt__metric_at(int i)
{
    return i >= 0 && (size_t)i < gs_nkt_metric_count() ? &metrics[i] : NULL;
}
