/*
 * libFuzzer target for the pose.json reader: any byte string must either parse into a track
 * whose invariants hold, or be rejected with a one-line message; never crash or leak.
 * Build with -DGS_FUZZ=ON (clang); run e.g. `fuzz_pose_json -max_total_time=60 corpus/`.
 */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gs_pose_track *t = NULL;
    gs_error err;
    gs_status rc = gs_pose_json_parse((const char *)data, size, "fuzz.json", &t, &err);
    if (rc == GS_OK) {
        /* Invariants the gait stage relies on. */
        if (!t || t->width < 1 || t->height < 1 || t->n_frames < 0)
            abort();
        for (int32_t i = 1; i < t->n_frames; i++)
            if (!(t->frames[i].t_s > t->frames[i - 1].t_s))
                abort();
        /* The reader scans the text and parses one frame at a time: what it accepts must be
         * one JSON document for cJSON too, with only white space after it. */
        const char *end = NULL;
        cJSON *doc = cJSON_ParseWithLengthOpts((const char *)data, size, &end, 0);
        if (!doc)
            abort();
        cJSON_Delete(doc);
        for (; end < (const char *)data + size; end++)
            if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')
                abort();
    } else {
        if (t || strchr(err.msg, '\n') || err.msg[0] == '\0')
            abort();
    }
    gs_pose_track_free(&t);
    return 0;
}
