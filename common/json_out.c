/* json_out.c: jansson values and one-write printing for --json output. */
#include "json_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "utf8.h"

json_t *td_json_text(const char *s)
{
    if (s == NULL)
        return json_null();
    json_t *v = json_string(s);
    if (v != NULL)
        return v;
    size_t len = strlen(s);
    /* Invalid bytes become U+FFFD (3 bytes); control characters are valid JSON (escaped). */
    char *buf = malloc(len * 3 + 1);
    if (buf == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = td_utf8_decode(s + i, len - i, &cp);
        if (cp == TD_UTF8_INVALID) {
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
        } else {
            memcpy(buf + o, s + i, n);
            o += n;
        }
        i += n;
    }
    buf[o] = '\0';
    v = json_string(buf);
    free(buf);
    return v;
}

json_t *td_json_text_nonempty(const char *s)
{
    return s != NULL && s[0] != '\0' ? td_json_text(s) : json_null();
}

json_t *td_json_u64(uint64_t v)
{
    return json_integer(v > (uint64_t) INT64_MAX ? INT64_MAX : (json_int_t) v);
}

json_t *td_json_time(int has, int64_t unix_ms)
{
    char when[32];
    return has && unix_ms > 0 ? json_string(td_time_rfc3339(unix_ms, when, sizeof when))
                              : json_null();
}

json_t *td_json_real(int has, double v)
{
    return has && isfinite(v) ? json_real(v) : json_null();
}

void td_json_set(json_t *obj, const char *key, json_t *value, int *failed)
{
    if (obj == NULL || value == NULL || json_object_set_new(obj, key, value) != 0)
        *failed = 1;
}

void td_json_append(json_t *array, json_t *value, int *failed)
{
    if (array == NULL || value == NULL || json_array_append_new(array, value) != 0)
        *failed = 1;
}

td_err td_json_print(FILE *out, json_t *root)
{
    if (root == NULL)
        return TD_ERR_NOMEM;
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(root);
    if (text == NULL)
        return TD_ERR_NOMEM;
    size_t len = strlen(text);
    int ok = fwrite(text, 1, len, out) == len && fputc('\n', out) != EOF;
    free(text);
    return ok ? TD_OK : TD_ERR_IO;
}
