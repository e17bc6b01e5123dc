/*
 * gs_gen_track: writes a synthetic pose.json with known truth (and the true events as CSV).
 * usage: gs_gen_track -o pose.json [--events truth.csv] [--walk] [--view side-right|side-left|
 *        rear|front] [--fps F] [--vfr] [--duration S] [--cadence SPM] [--contact-ms L,R]
 *        [--strike-deg L,R] [--roll DEG] [--tilt DEG] [--noise PX] [--seed N] [--overground]
 *        [--pelvic-drop L,R] [--valgus-m L,R] [--gap T0,LEN] [--foot2] [--dropout S]
 *        [--toe-back B]
 * --foot2 selects the second foot model (gen_track.h); --dropout S fills one frame every S s
 * with its neighbours' mean; --toe-back B puts the second model's toe landmark B foot lengths
 * behind the tip (gen_track.h toe_back). --strike-deg and --contact-ms after --foot2 still apply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_track.h"

static int pair(const char *s, double v[2])
{
    char *end;
    v[0] = strtod(s, &end);
    if (end == s)
        return -1;
    v[1] = *end == ',' ? strtod(end + 1, NULL) : v[0];
    return 0;
}

int main(int argc, char **argv)
{
    gs_gen_params p;
    const char *out = NULL, *evpath = NULL;
    gs_pose_track *t = NULL;
    gs_error err;
    int walk = 0;

    int foot2 = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--walk"))
            walk = 1;
        if (!strcmp(argv[i], "--foot2"))
            foot2 = 1;
    }
    gs_gen_defaults_for(&p, walk);
    if (foot2)
        gs_gen_use_foot2(&p);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double d2[2];
        if (!strcmp(a, "--walk") || !strcmp(a, "--foot2"))
            continue;
        if (!strcmp(a, "--vfr")) {
            p.vfr = 1;
            continue;
        }
        if (!strcmp(a, "--overground")) {
            p.treadmill = 0;
            continue;
        }
        if (!v) {
            fprintf(stderr, "gs_gen_track: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "-o"))
            out = v;
        else if (!strcmp(a, "--events"))
            evpath = v;
        else if (!strcmp(a, "--view")) {
            p.view = !strcmp(v, "rear") ? GS_GEN_REAR : !strcmp(v, "front") ? GS_GEN_FRONT
                                                                             : GS_GEN_SIDE;
            p.direction = !strcmp(v, "side-left") ? -1 : 1;
        } else if (!strcmp(a, "--fps"))
            p.fps = atof(v);
        else if (!strcmp(a, "--duration"))
            p.duration_s = atof(v);
        else if (!strcmp(a, "--cadence"))
            p.cadence_spm = atof(v);
        else if (!strcmp(a, "--roll"))
            p.roll_deg = atof(v);
        else if (!strcmp(a, "--tilt"))
            p.tilt_deg = atof(v);
        else if (!strcmp(a, "--noise"))
            p.noise_px = atof(v);
        else if (!strcmp(a, "--dropout"))
            p.dropout_every_s = atof(v);
        else if (!strcmp(a, "--seed"))
            p.seed = (unsigned)atoi(v);
        else if (!strcmp(a, "--contact-ms") && !pair(v, d2))
            memcpy(p.contact_ms, d2, sizeof(d2));
        else if (!strcmp(a, "--strike-deg") && !pair(v, d2))
            memcpy(p.strike_deg, d2, sizeof(d2));
        else if (!strcmp(a, "--pelvic-drop") && !pair(v, d2))
            memcpy(p.pelvic_drop_deg, d2, sizeof(d2));
        else if (!strcmp(a, "--valgus-m") && !pair(v, d2))
            memcpy(p.valgus_m, d2, sizeof(d2));
        else if (!strcmp(a, "--toe-back"))
            p.toe_back = atof(v);
        else if (!strcmp(a, "--gap") && !pair(v, d2) && p.n_gaps < 4) {
            p.gap_t0_s[p.n_gaps] = d2[0];
            p.gap_len_s[p.n_gaps++] = d2[1];
        } else {
            fprintf(stderr, "gs_gen_track: bad option %s %s\n", a, v);
            return 2;
        }
    }
    if (!out) {
        fprintf(stderr, "usage: gs_gen_track -o pose.json [options] (see the source header)\n");
        return 2;
    }
    if (gs_gen_track(&p, &t, &err) != GS_OK || gs_pose_json_write(out, t, &err) != GS_OK) {
        fprintf(stderr, "gs_gen_track: %s\n", err.msg);
        gs_pose_track_free(&t);
        return 1;
    }
    gs_pose_track_free(&t);
    if (evpath) {
        gs_gen_event ev[4096];
        int n = gs_gen_events(&p, ev, 4096);
        FILE *f = fopen(evpath, "w");
        if (!f)
            return 1;
        fprintf(f, "side,type,t_s\n");
        for (int i = 0; i < n && i < 4096; i++)
            fprintf(f, "%s,%s,%.6f\n", ev[i].side ? "right" : "left", ev[i].type ? "TO" : "IC",
                    ev[i].t_s);
        if (fclose(f) != 0)
            return 1;
    }
    return 0;
}
