/*
 * libFuzzer target for the compensation detector: a byte string is read as a rules file, and
 * when it loads, the rules run on a small made analysis.json and the plan is formatted; the same
 * bytes are also read as an analysis.json and evaluated with a small valid rule set. Any input
 * must load or be rejected with a one-line message naming the item, and never crash or leak.
 * Run e.g. `fuzz_nkt -max_total_time=60 tests/fuzz/corpus_nkt` (clang, -fsanitize=fuzzer).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A valid two-rule set and a small analysis (left pelvic drop 9 deg, rear view). */
static const char rules_txt[] =
    "{\"format\":\"gaitscope.rules/1\",\"rules\":[{\"id\":\"d\",\"title\":\"D {side}\","
    "\"activity\":[\"run\"],\"views\":{\"rear\":1},\"scope\":\"side\",\"when\":[{\"metric\":"
    "\"pelvic_drop_deg\",\"above\":6,\"full\":10}],\"source\":\"s\",\"evidence\":\"research\","
    "\"muscles_evidence\":\"clinical\",\"inhibited\":[\"{side} gmed\"],\"overworking\":["
    "\"{other} ql\"],\"nkt_tests\":[{\"test\":\"{side} gmed\",\"localise\":[\"{side} tfl\"]}],"
    "\"homework\":[\"h {value*1.05}\"],\"history\":[{\"if\":[\"injury:ankle\"],\"overworking\":["
    "\"{side} ankle\"],\"raise\":[\"{side} ankle\"]}]},{\"id\":\"a\",\"title\":\"A\","
    "\"activity\":[\"run\",\"walk\"],\"views\":[\"rear\",\"side\"],\"scope\":\"side\",\"when\":["
    "{\"asymmetry\":\"ground_contact_ms\",\"flag\":\"lower\",\"min_si\":5,\"full_si\":15}],"
    "\"source\":\"s\",\"evidence\":\"clinical\",\"muscles_evidence\":\"practitioner\","
    "\"inhibited\":[],\"overworking\":[],\"nkt_tests\":[],\"homework\":[]},{\"id\":\"c\","
    "\"title\":\"C\",\"activity\":[\"run\"],\"views\":[\"rear\"],\"scope\":\"whole\",\"when\":["
    "{\"metric\":\"cadence_spm\",\"below\":160,\"full\":150}],\"source\":\"s\",\"evidence\":"
    "\"research\",\"muscles_evidence\":\"practitioner\",\"inhibited\":[],\"overworking\":[],"
    "\"nkt_tests\":[],\"homework\":[\"m {value*1.1}\"]}]}";
static const char analysis_txt[] =
    "{\"format\":\"gaitscope.analysis/1\",\"view\":{\"kind\":\"rear\",\"confidence\":0.9},"
    "\"activity\":\"run\",\"strides\":[{\"side\":\"left\",\"t0\":0,\"t1\":0.7,\"used\":true},"
    "{\"side\":\"left\",\"t0\":0.7,\"t1\":1.4,\"used\":true},{\"side\":\"left\",\"t0\":1.4,"
    "\"t1\":2.1,\"used\":true}],\"events\":[{\"side\":\"left\",\"type\":\"IC\",\"t\":0.7,"
    "\"frame\":21}],\"metrics\":{\"pelvic_drop_deg\":{\"unit\":\"deg\",\"left\":{\"mean\":9,"
    "\"sd\":1,\"n\":3,\"values\":[8,9,10],\"t\":[0,0.7,1.4]},\"right\":{\"mean\":3,\"sd\":1,"
    "\"n\":3,\"values\":[2,3,4]}},\"cadence_spm\":{\"unit\":\"steps/min\",\"all\":{\"mean\":150,"
    "\"sd\":1,\"n\":6},\"left\":{\"mean\":150,\"values\":[149,150,151]},\"right\":{\"mean\":150,"
    "\"values\":[149,150,151]}},\"ground_contact_ms\":{\"left\":{\"mean\":200,\"values\":[199,"
    "200,201]},\"right\":{\"mean\":250,\"values\":[249,250,251]}}}}";

static void run(const gs_nkt_rules *rules, cJSON *analysis, const gs_nkt_history *h)
{
    cJSON *f = NULL, *sk = NULL;
    gs_error err = {0};
    char *text = NULL;
    gs_status rc = gs_nkt_evaluate(rules, analysis, h, &f, &sk, &err);
    if (rc == GS_OK) {
        if (!cJSON_IsArray(f) || !cJSON_IsArray(sk))
            abort();
        if (gs_nkt_plan_format(f, &text, &err) != GS_OK || !text)
            abort();
    } else if (f || sk || strchr(err.msg, '\n') || !err.msg[0]) {
        abort();
    }
    free(text);
    cJSON_Delete(f);
    cJSON_Delete(sk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *in = cJSON_ParseWithLength((const char *)data, size);
    cJSON *fixed_rules = cJSON_Parse(rules_txt), *fixed_an = cJSON_Parse(analysis_txt);
    gs_nkt_rules *r = NULL, *fr = NULL;
    gs_nkt_history *h = NULL;
    gs_error err = {0};
    double t[64], vl[64], vr[64];

    if (!fixed_rules || !fixed_an || gs_nkt_history_parse("injury:left_ankle", &h, &err))
        abort();
    if (gs_nkt_rules_from_json(fixed_rules, "fixed", &fr, &err) != GS_OK)
        abort();
    if (in) {
        /* the input as a rules file */
        gs_status rc = gs_nkt_rules_from_json(in, "fuzz.json", &r, &err);
        if (rc == GS_OK) {
            if (!r)
                abort();
            run(r, fixed_an, h);
        } else if (r || strchr(err.msg, '\n') || !err.msg[0]) {
            abort();
        }
        /* the input as an analysis.json, with and without stride visibility */
        run(fr, in, h);
        for (int i = 0; i < 64; i++) {
            t[i] = i * 0.05;
            vl[i] = 0.5;
            vr[i] = 0.9;
        }
        if (gs_nkt_annotate_visibility(in, t, vl, vr, 64, &err) == GS_OK)
            run(fr, in, NULL);
    }
    /* the raw bytes as an intake history string */
    {
        char *s = malloc(size + 1);
        gs_nkt_history *hh = NULL;
        if (!s)
            abort();
        memcpy(s, data, size);
        s[size] = '\0';
        if (gs_nkt_history_parse(s, &hh, &err) != GS_OK && (hh || !err.msg[0]))
            abort();
        gs_nkt_history_free(&hh);
        free(s);
    }
    gs_nkt_rules_free(&r);
    gs_nkt_rules_free(&fr);
    gs_nkt_history_free(&h);
    cJSON_Delete(in);
    cJSON_Delete(fixed_rules);
    cJSON_Delete(fixed_an);
    return 0;
}
