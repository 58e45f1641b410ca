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

#define S_DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* json_dump_callback's writer for an item of a list: the item's text, 4 more spaces after
 * every newline (JSON text holds no raw newline inside a string, so each is the dumper's),
 * straight to the stream: no copy of the item's text is made. */
static int s_dump_indented(const char *buffer, size_t size, void *data)
{
    FILE *out = data;
    for (;;) {
        const char *nl = memchr(buffer, '\n', size);
        size_t len = nl != NULL ? (size_t) (nl - buffer) + 1 : size;
        if (fwrite(buffer, 1, len, out) != len)
            return -1;
        if (nl == NULL)
            return 0;
        if (fwrite("    ", 1, 4, out) != 4)
            return -1;
        buffer += len;
        size -= len;
    }
}

td_err td_json_print_list(FILE *out, json_t *root, const char *key, size_t n, td_json_item_fn item,
                          void *ctx)
{
    if (root == NULL)
        return TD_ERR_NOMEM;
    char *text = json_dumps(root, S_DUMP_FLAGS);
    json_decref(root);
    if (text == NULL)
        return TD_ERR_NOMEM;
    /* the top-level member `"key": []`, at indent 2 */
    char mark[128];
    snprintf(mark, sizeof mark, "\n  \"%s\": []", key);
    char *at = strstr(text, mark);
    if (at == NULL) {
        free(text);
        return TD_ERR_INVALID; /* the caller did not put the empty list in root */
    }
    char *tail = at + strlen(mark) - 1; /* the closing ']' */
    td_err rc = TD_OK;
    if (fwrite(text, 1, (size_t) (tail - 1 - text), out) != (size_t) (tail - 1 - text))
        rc = TD_ERR_IO;
    if (rc == TD_OK && n == 0 && fputs("[]", out) == EOF)
        rc = TD_ERR_IO;
    for (size_t i = 0; i < n && rc == TD_OK; i++) {
        json_t *one = item(ctx, i);
        if (one == NULL) {
            rc = TD_ERR_NOMEM;
            break;
        }
        if (fputs(i == 0 ? "[\n    " : ",\n    ", out) == EOF ||
            json_dump_callback(one, s_dump_indented, out, S_DUMP_FLAGS) != 0)
            rc = TD_ERR_IO;
        json_decref(one);
    }
    if (rc == TD_OK && n > 0 && fputs("\n  ]", out) == EOF)
        rc = TD_ERR_IO;
    if (rc == TD_OK && (fputs(tail + 1, out) == EOF || fputc('\n', out) == EOF))
        rc = TD_ERR_IO;
    free(text);
    return rc;
}

td_err td_json_print(FILE *out, json_t *root)
{
    if (root == NULL)
        return TD_ERR_NOMEM;
    char *text = json_dumps(root, S_DUMP_FLAGS);
    json_decref(root);
    if (text == NULL)
        return TD_ERR_NOMEM;
    size_t len = strlen(text);
    int ok = fwrite(text, 1, len, out) == len && fputc('\n', out) != EOF;
    free(text);
    return ok ? TD_OK : TD_ERR_IO;
}
