/* json_out.h: writing --json answers with jansson (shared by tiendo and tiendo-agent). */
#ifndef TIENDO_JSON_OUT_H
#define TIENDO_JSON_OUT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

/* Every value constructor returns a new reference, or NULL when out of memory (which
 * td_json_set records). Not thread-safe per document; the functions keep no state. */

/* Text from a peer or a file: a JSON string, with invalid UTF-8 shown as U+FFFD (jansson
 * refuses invalid UTF-8); null for NULL. */
json_t *td_json_text(const char *s);
/* The same, with "" (left out) as null. */
json_t *td_json_text_nonempty(const char *s);
/* An unsigned count (values over INT64_MAX are capped: jansson's integers are signed). */
json_t *td_json_u64(uint64_t v);
/* A timestamp by the JSON rule (td_time_rfc3339: UTC, milliseconds), or null when unset
 * (has == 0 or unix_ms <= 0). */
json_t *td_json_time(int has, int64_t unix_ms);
/* A number that may be absent: null when has == 0 or v is not finite. */
json_t *td_json_real(int has, double v);

/* Set key to value (taking the reference). A NULL value or a failed set raises *failed,
 * so a builder checks once at the end. */
void td_json_set(json_t *obj, const char *key, json_t *value, int *failed);
/* Append value (taking the reference); the same failure rule. */
void td_json_append(json_t *array, json_t *value, int *failed);

/* Print root indented by 2 with a final newline, in one write (json_dumpf makes a call per
 * token), and drop the reference. Reals keep 15 significant digits. TD_ERR_NOMEM when
 * root is NULL or the text cannot be made, TD_ERR_IO when writing fails. */
td_err td_json_print(FILE *out, json_t *root);

/* Builds item i of a long list (a new reference; NULL: out of memory). */
typedef json_t *(*td_json_item_fn)(void *ctx, size_t i);

/* td_json_print for an answer with one long list: root holds `key` as an empty array,
 * whose place is filled with n items made by item(ctx, i) one at a time, each printed and
 * freed before the next is made. The bytes are those td_json_print would write for the
 * whole tree, but the memory stays that of one item: for thousands of tasks or offices,
 * building the tree cost more in page faults than everything else (docs/architecture.md,
 * "Long answers"). Drops the reference to root; the same errors as td_json_print. */
td_err td_json_print_list(FILE *out, json_t *root, const char *key, size_t n, td_json_item_fn item,
                          void *ctx);

#endif
