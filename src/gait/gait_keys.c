/*
 * The one table of analysis.json metric keys and the one table of view, side, event, activity
 * and setting names (DESIGN.md "Artifacts"). The gait stage produces these keys; nkt validates
 * rules against them, the report labels and groups them, the CLI prints its summary from them,
 * and src/analysis reads analysis.json with them. Adding a metric means adding one row here.
 *
 * kind: ANGLE for angles (near zero, may be negative): asymmetries are degree differences
 * compared with the pooled stride SD, never SI %, because SI = 100 (L - R) / (0.5 (L + R))
 * explodes when L + R is near zero (DESIGN.md "Conventions"; ../shared/REFERENCES.md section 5).
 * POSITIVE for strictly positive quantities, where SI % is meaningful. SIGNED for values that
 * may cross zero (flight time of a walker, foot placement on a crossover).
 */
#include <string.h>

#include "gait.h"

#define A   GS_METRIC_KIND_ANGLE
#define P   GS_METRIC_KIND_POSITIVE
#define S   GS_METRIC_KIND_SIGNED
#define T GS_METRIC_GROUP_TIMING
#define SAG GS_METRIC_GROUP_SAGITTAL
#define FRO GS_METRIC_GROUP_FRONTAL
#define LEN GS_METRIC_GROUP_LENGTH
#define ARM GS_METRIC_GROUP_ARMS
#define D3 GS_METRIC_GROUP_3D

/* key, unit, label, kind, group, whole_body, decimals, summary, revision (gait.h) */
static const gs_metric_info metrics[] = {
    /* temporal, every view */
    {"cadence_spm", "steps/min", "Cadence", P, T, 1, 1, 1, 0},
    {"step_time_ms", "ms", "Step time", P, T, 0, 0, 0, 0},
    {"stride_time_ms", "ms", "Stride time", P, T, 0, 0, 0, 0},
    {"ground_contact_ms", "ms", "Ground contact time", P, T, 0, 0, 1, 0},
    {"flight_ms", "ms", "Flight time", S, T, 0, 0, 0, 0},
    {"duty_factor", "fraction", "Duty factor", P, T, 0, 3, 0, 0},
    {"stance_pct", "%", "Stance", P, T, 0, 1, 0, 0},
    {"swing_pct", "%", "Swing", P, T, 0, 1, 0, 0},
    {"double_support_pct", "%", "Double support", S, T, 0, 1, 0, 0},
    /* sagittal, side views */
    {"knee_flexion_ic_deg", "deg", "Knee flexion at contact", A, SAG, 0, 1, 1, 0},
    {"knee_flexion_peak_stance_deg", "deg", "Peak knee flexion, stance", A, SAG, 0, 1, 1, 0},
    {"knee_flexion_peak_swing_deg", "deg", "Peak knee flexion, swing", A, SAG, 0, 1, 0, 0},
    {"hip_extension_peak_deg", "deg", "Peak hip extension", A, SAG, 0, 1, 1, 0},
    {"hip_flexion_peak_deg", "deg", "Peak hip flexion", A, SAG, 0, 1, 0, 0},
    {"ankle_dorsiflexion_peak_deg", "deg", "Peak ankle dorsiflexion, stance", A, SAG, 0, 1, 0, 0},
    {"foot_strike_angle_deg", "deg", "Foot strike angle", A, SAG, 0, 1, 1, 0},
    {"shank_angle_ic_deg", "deg", "Shank angle at contact", A, SAG, 0, 1, 0, 0},
    {"overstride_deg", "deg", "Overstride angle", A, SAG, 0, 1, 1, 0},
    {"trunk_lean_deg", "deg", "Trunk forward lean", A, SAG, 0, 1, 1, 0},
    {"trunk_lean_stance_deg", "deg", "Trunk forward lean, stance", A, SAG, 0, 1, 0, 0},
    /* frontal, rear / front views */
    {"pelvic_drop_deg", "deg", "Contralateral pelvic drop", A, FRO, 0, 1, 1, 0},
    {"hip_hike_deg", "deg", "Hip hike, swing", A, FRO, 0, 1, 0, 0},
    {"hip_adduction_peak_deg", "deg", "Peak hip adduction", A, FRO, 0, 1, 0, 0},
    {"knee_fppa_deg", "deg", "Knee frontal-plane angle (valgus +)", A, FRO, 0, 1, 1, 0},
    {"trunk_lateral_lean_deg", "deg", "Trunk lateral lean", A, FRO, 0, 1, 0, 0},
    /* lengths: cm with a scale, leg lengths without (DESIGN.md) */
    {"overstride_cm", "cm", "Heel ahead of hip at contact", S, LEN, 0, 1, 0, 0},
    {"overstride_ll", "leg lengths", "Heel ahead of hip at contact", S, LEN, 0, 3, 0, 0},
    {"vertical_oscillation_cm", "cm", "Vertical oscillation", P, LEN, 0, 1, 0, 2},
    {"vertical_oscillation_ll", "leg lengths", "Vertical oscillation", P, LEN, 0, 3, 0, 2},
    {"step_length_cm", "cm", "Step length", P, LEN, 0, 1, 0, 0},
    {"step_length_ll", "leg lengths", "Step length", P, LEN, 0, 3, 0, 0},
    {"stride_length_cm", "cm", "Stride length", P, LEN, 0, 1, 0, 0},
    {"stride_length_ll", "leg lengths", "Stride length", P, LEN, 0, 3, 0, 0},
    {"step_width_cm", "cm", "Step width", P, LEN, 0, 1, 0, 2},
    {"step_width_ll", "leg lengths", "Step width", P, LEN, 0, 3, 0, 2},
    {"foot_placement_cm", "cm", "Foot placement from midline", S, LEN, 0, 1, 0, 2},
    {"foot_placement_ll", "leg lengths", "Foot placement from midline", S, LEN, 0, 3, 0, 2},
    {"circumduction_cm", "cm", "Circumduction", S, LEN, 0, 1, 0, 2},
    {"circumduction_ll", "leg lengths", "Circumduction", S, LEN, 0, 3, 0, 2},
    {"speed_m_s", "m/s", "Speed", P, LEN, 0, 2, 0, 0},
    /* arms (an elbow angle and a range of shoulder angle: degrees, compared by difference) */
    {"elbow_flexion_mean_deg", "deg", "Elbow flexion (mean)", A, ARM, 0, 1, 0, 0},
    {"shoulder_flexion_range_deg", "deg", "Arm swing range", A, ARM, 0, 1, 0, 0},
    /* secondary 3D estimates from world landmarks */
    {"knee_flexion_ic_3d_deg", "deg", "Knee flexion at contact (3D)", A, D3, 0, 1, 0, 0},
    {"knee_flexion_peak_stance_3d_deg", "deg", "Peak knee flexion, stance (3D)", A, D3, 0, 1, 0, 0},
};

size_t gs_metric_count(void)
{
    return sizeof(metrics) / sizeof(metrics[0]);
}

const gs_metric_info *gs_metric_at(size_t i)
{
    return i < gs_metric_count() ? &metrics[i] : NULL;
}

const gs_metric_info *gs_metric_find(const char *key)
{
    for (size_t i = 0; key && i < gs_metric_count(); i++)
        if (!strcmp(metrics[i].key, key))
            return &metrics[i];
    return NULL;
}

static const char *const view_names[] = {"unknown", "side-left", "side-right", "rear", "front"};
static const char *const activity_names[] = {"unknown", "run", "walk"};
static const char *const setting_names[] = {"unknown", "treadmill", "overground"};
_Static_assert(sizeof(view_names) / sizeof(view_names[0]) == GS_GAIT_VIEW_FRONT + 1, "view names");
_Static_assert(sizeof(activity_names) / sizeof(activity_names[0]) == GS_GAIT_ACTIVITY_WALK + 1,
               "activity names");
_Static_assert(sizeof(setting_names) / sizeof(setting_names[0]) == GS_GAIT_SETTING_OVERGROUND + 1,
               "setting names");

static int parse(const char *const *names, int n, const char *s)
{
    for (int i = 1; s && i < n; i++) /* "unknown" is never a valid choice */
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

const char *gs_gait_view_name(gs_gait_view_kind k)
{
    return (unsigned)k <= GS_GAIT_VIEW_FRONT ? view_names[k] : view_names[0];
}

int gs_gait_view_parse(const char *s, gs_gait_view_kind *out)
{
    int i = parse(view_names, GS_GAIT_VIEW_FRONT + 1, s);
    if (i < 0)
        return -1;
    *out = (gs_gait_view_kind)i;
    return 0;
}

const char *gs_gait_activity_name(gs_gait_activity a)
{
    return (unsigned)a <= GS_GAIT_ACTIVITY_WALK ? activity_names[a] : activity_names[0];
}

int gs_gait_activity_parse(const char *s, gs_gait_activity *out)
{
    int i = parse(activity_names, GS_GAIT_ACTIVITY_WALK + 1, s);
    if (i < 0)
        return -1;
    *out = (gs_gait_activity)i;
    return 0;
}

const char *gs_gait_setting_name(gs_gait_setting s)
{
    return (unsigned)s <= GS_GAIT_SETTING_OVERGROUND ? setting_names[s] : setting_names[0];
}

int gs_gait_setting_parse(const char *s, gs_gait_setting *out)
{
    int i = parse(setting_names, GS_GAIT_SETTING_OVERGROUND + 1, s);
    if (i < 0)
        return -1;
    *out = (gs_gait_setting)i;
    return 0;
}

const char *gs_gait_side_name(gs_gait_side s)
{
    return s == GS_GAIT_SIDE_LEFT ? "left" : "right";
}

const char *gs_gait_event_name(gs_gait_event_type t)
{
    return t == GS_GAIT_EVENT_IC ? "IC" : "TO";
}

const char *gs_gait_timing_name(gs_gait_timing t)
{
    return t == GS_GAIT_TIMED_IMAGE ? "image" : t == GS_GAIT_TIMED_HAND ? "hand" : "landmarks";
}
