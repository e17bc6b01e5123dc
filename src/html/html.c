/*
 * The text buffer, HTML escaping and number formatting of html.h.
 */
#include "html.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gs_html_put(gs_html_buf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap < b->n + len + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

void gs_html_puts(gs_html_buf *b, const char *s)
{
    gs_html_put(b, s, strlen(s));
}

void gs_html_printf(gs_html_buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    int k;
    va_start(ap, fmt);
    k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k < sizeof(tmp)) {
        gs_html_put(b, tmp, (size_t)k);
        return;
    }
    {
        char *big = malloc((size_t)k + 1);
        if (!big) {
            b->oom = 1;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)k + 1, fmt, ap);
        va_end(ap);
        gs_html_put(b, big, (size_t)k);
        free(big);
    }
}

void gs_html_esc(gs_html_buf *b, const char *s)
{
    const char *run = s;
    if (!s)
        return;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            break;
        }
        if (rep) {
            gs_html_put(b, run, (size_t)(s - run));
            gs_html_puts(b, rep);
            run = s + 1;
        }
    }
    gs_html_put(b, run, (size_t)(s - run));
}

const char *gs_html_num(char *dst, size_t n, double v, int dec)
{
    if (!isfinite(v)) {
        snprintf(dst, n, "&ndash;");
        return dst;
    }
    if (fabs(v) < 0.5 * pow(10.0, -dec))
        v = 0.0;
    snprintf(dst, n, "%.*f", dec, v);
    return dst;
}

const char *gs_html_num_signed(char *dst, size_t n, double v, int dec)
{
    gs_html_num(dst + 1, n - 1, v, dec);
    if (isfinite(v) && v > 0 && strtod(dst + 1, NULL) != 0.0) {
        dst[0] = '+';
        return dst;
    }
    return dst + 1;
}
