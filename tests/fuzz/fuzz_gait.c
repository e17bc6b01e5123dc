/*
 * libFuzzer target for the gait stage (issue 12): gs_gait_analyze() from pose.json on tracks whose
 * time steps and coordinates reach extremes. The first byte picks how the rest is read:
 * - even: a pose.json document (gs_pose_json_parse), analysed when it parses;
 * - 'C' (0x43): a coach's corrections (issue 13 item 6) on the made track below: the rest up to
 *   the first NUL byte is an edited events.csv (gs_gait_options.events_csv, through a tmpfs
 *   file), the rest after it a --swap-legs list (gs_gait_options.swap_legs); a bad file or list
 *   must be a one-line error naming it;
 * - other odd bytes: edits of a made 3 s running track (tests/gen_track.c, side view, 20 fps).
 *   Each 6-byte record is op, frame (2 bytes), landmark, exponent (2 bytes, -330..330); the ops
 *   set a frame interval to 10^e s, a coordinate to +-10^e px, a visibility to 0 or 1, drop or
 *   restore a frame's landmarks, or set every interval to 10^e s. The edited track is written
 *   as pose.json (a tmpfs file), read back and analysed; and analysed straight from memory,
 *   which the gait stage's own input validation must guard.
 * Any input must end in GS_OK or a one-line error: no crash (ASan, UBSan with float-cast-overflow
 * and float-divide-by-zero), no hang, no leak, and a result always turns into analysis.json.
 * Run e.g. `fuzz_gait -max_total_time=60 tests/fuzz/corpus_gait` (scripts/fuzz.sh runs it).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gait.h"
#include "fuzz_util.h"
#include "gen_track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks the invariants of one analysis and frees what it made. */
static void analyse_with(const gs_pose_track *t, const char *events_csv, const char *swap_legs)
{
    gs_gait_result *r = NULL;
    gs_error err = {0};
    gs_gait_options o = {0};
    o.name = "fuzz.json";
    o.events_csv = events_csv;
    o.swap_legs = swap_legs;
    gs_status rc = gs_gait_analyze(t, &o, &r, &err);
    if (rc == GS_OK && !r)
        abort();
    if (rc != GS_OK && (rc > 0 || !err.msg[0] || strchr(err.msg, '\n')))
        abort();
    if (r) {
        int n = 0;
        const gs_gait_event *ev = gs_gait_result_events(r, &n);
        for (int i = 0; i < n; i++)
            if (!isfinite(ev[i].t_s) || (i > 0 && ev[i].t_s < ev[i - 1].t_s)) {
                fprintf(stderr, "event %d of %d at %g s (before: %g s), status %d\n", i, n,
                        ev[i].t_s, i > 0 ? ev[i - 1].t_s : NAN, (int)rc);
                abort();
            }
        cJSON *j = gs_gait_result_to_json(r);
        if (j) {
            char *txt = cJSON_PrintUnformatted(j);
            cJSON_free(txt);
            cJSON_Delete(j);
        }
    }
    gs_gait_result_free(&r);
}

static void analyse(const gs_pose_track *t)
{
    analyse_with(t, NULL, NULL);
}

/* The made track, generated once (a fuzz target's own cache, not library state). */
static gs_pose_track *base_track(void)
{
    static gs_pose_track *base;
    if (!base) {
        gs_gen_params p;
        gs_error err;
        gs_gen_defaults(&p);
        p.fps = 20;
        p.duration_s = 3;
        if (gs_gen_track(&p, &base, &err) != GS_OK)
            abort();
    }
    return base;
}

static void edited_track(const uint8_t *data, size_t size)
{
    const gs_pose_track *b = base_track();
    gs_pose_track *t = NULL, *back = NULL;
    gs_error err;
    char path[64];
    if (gs_pose_track_copy(b, &t, &err) != GS_OK)
        return;
    for (size_t at = 0; at + 6 <= size; at += 6) {
        const uint8_t *e = data + at;
        int32_t i = (int32_t)((e[1] | e[2] << 8) % (unsigned)t->n_frames);
        int k = e[3] % GS_POSE_NKP;
        double ex = (double)((int)(int16_t)(e[4] | e[5] << 8) % 331);
        double v = pow(10.0, ex);
        gs_pose_frame *f = &t->frames[i];
        switch (e[0] % 7) {
        case 0: /* interval before frame i: 10^e s, the later frames shifted with it */
            if (i > 0) {
                double d = t->frames[i - 1].t_s + v - f->t_s;
                for (int32_t j = i; j < t->n_frames; j++)
                    t->frames[j].t_s += d;
            }
            break;
        case 1:
            f->kp[k].x = (float)(e[0] & 8 ? -fmin(v, 3e38) : fmin(v, 3e38));
            break;
        case 2:
            f->kp[k].y = (float)(e[0] & 8 ? -fmin(v, 3e38) : fmin(v, 3e38));
            break;
        case 3:
            f->kp[k].vis = e[0] & 8 ? 1.0f : 0.0f;
            break;
        case 4:
            f->has_kp = !f->has_kp;
            break;
        case 5: /* every interval 10^e s */
            for (int32_t j = 0; j < t->n_frames; j++)
                t->frames[j].t_s = j * v;
            break;
        default:
            f->score = e[0] & 8 ? 1.0f : 0.0f;
            break;
        }
    }
    analyse(t); /* from memory: the gait stage's validation */
    /* through pose.json: the reader's validation, then the analysis */
    snprintf(path, sizeof(path), "/dev/shm/fuzz_gait_%d.json", (int)getpid());
    if (gs_pose_json_write(path, t, &err) == GS_OK && gs_pose_json_read(path, &back, &err) == GS_OK)
        analyse(back);
    unlink(path);
    gs_pose_track_free(&back);
    gs_pose_track_free(&t);
}

/* A coach's corrections on the made track: events.csv text, then after a NUL a swap list. */
static void corrections(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t n_csv = nul ? (size_t)(nul - data) : size;
    char path[64], *swap = NULL;
    if (fuzz_write_tmp("gait_events", "csv", data, n_csv, path, sizeof(path)) != 0)
        return;
    if (nul) {
        size_t n_swap = size - n_csv - 1;
        if (!(swap = malloc(n_swap + 1))) {
            unlink(path);
            return;
        }
        memcpy(swap, nul + 1, n_swap);
        swap[n_swap] = '\0'; /* a NUL inside ends the list early, as argv would */
    }
    analyse_with(base_track(), path, swap);
    if (swap)
        analyse_with(base_track(), NULL, swap); /* the swap list alone, events detected */
    free(swap);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] == 'C') {
        corrections(data + 1, size - 1);
    } else if (data[0] & 1) {
        edited_track(data + 1, size - 1);
    } else {
        gs_pose_track *t = NULL;
        gs_error err;
        if (gs_pose_json_parse((const char *)data + 1, size - 1, "fuzz.json", &t, &err) == GS_OK)
            analyse(t);
        gs_pose_track_free(&t);
    }
    return 0;
}
