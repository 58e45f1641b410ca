/* cli_test.h: helpers the tiendo command's unit tests share (memory streams, lines, columns). */
#ifndef TIENDO_CLI_TEST_H
#define TIENDO_CLI_TEST_H

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "registry.h"
#include "term.h"

typedef struct {
    char *buf;
    size_t len;
    FILE *f;
} s_mem;

static inline void s_mem_open(s_mem *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    ck_assert_ptr_nonnull(m->f);
}

/* Close the stream and return its text (owned by m). */
static inline const char *s_mem_text(s_mem *m)
{
    fclose(m->f);
    m->f = NULL;
    return m->buf;
}

static inline td_registry_t *s_registry(void)
{
    td_registry_t *reg = NULL;
    char err[256] = "";
    td_err rc = td_registry_open(&reg, TIENDO_SOURCE_DIR "/data", err, sizeof err);
    ck_assert_msg(rc == TD_OK, "registry: %s", err);
    return reg;
}

/* Split text into lines (modifies it); returns the count. */
static inline size_t s_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL && n < max;
         line = strtok_r(NULL, "\n", &save))
        lines[n++] = line;
    return n;
}

/* The display column where needle starts in line. */
static inline size_t s_column_of(const char *line, const char *needle)
{
    const char *at = strstr(line, needle);
    char *prefix;
    size_t w;
    ck_assert_msg(at != NULL, "'%s' not in '%s'", needle, line);
    prefix = strndup(line, (size_t) (at - line));
    w = term_width(prefix);
    free(prefix);
    return w;
}

/* Close the stream and parse its text as JSON (a new reference; the text is freed). */
static inline json_t *s_mem_json(s_mem *m)
{
    json_error_t jerr;
    json_t *root = json_loads(s_mem_text(m), 0, &jerr);
    ck_assert_msg(root != NULL, "not JSON: %s\n%s", jerr.text, m->buf);
    free(m->buf);
    return root;
}

/* The keys of the JSON contract (docs/cli-json.md), in their order, where more than one
 * test checks them: static const char *const keys[] = {CLI_STATUS_KEYS}; */
#define CLI_STATUS_KEYS                                                                            \
    "dataset", "period", "deadline", "units_expected", "units_reported", "units_partial",          \
        "completeness_percent", "units_on_time", "units_late", "units_not_yet_due",                \
        "units_overdue", "timeliness_percent", "revisions_stored", "tasks_overdue", "task_groups", \
        "indicators", "lagging", "reported", "missing", "without_live_agent"
#define CLI_REPORTED_KEYS                                                                          \
    "unit", "name", "revision", "received_at", "first_received_at", "status", "reported_by_parts", \
        "partial"
#define CLI_INDICATOR_KEYS                                                                         \
    "id", "name_en", "name_vi", "unit", "value", "target_2025", "target_2030", "verified",         \
        "units_counted", "numerator", "denominator", "source", "units_covered", "units_expected",  \
        "partial", "check"
#define CLI_AGENT_KEYS                                                                             \
    "public_key", "last_seen", "epoch", "high_water", "agent_version", "outbox_depth",             \
        "oldest_unsent_age_ms", "dead_letters", "clock_skew_ms", "last_heartbeat", "name", "role", \
        "scope", "enrolled", "state"

/* obj has exactly the n keys, in this order. */
static inline void s_assert_keys(json_t *obj, const char *const *keys, size_t n)
{
    size_t i = 0;
    const char *key;
    json_t *value;
    ck_assert_msg(json_object_size(obj) == n, "%zu keys, not %zu", json_object_size(obj), n);
    json_object_foreach(obj, key, value)
    {
        (void) value;
        ck_assert_str_eq(key, keys[i]);
        i++;
    }
}

/* Answers are written in lang from here on: Vietnamese from the catalogue the build
 * compiles (build/locale/vi/LC_MESSAGES/tiendo.mo, which td_i18n_init finds in the build
 * tree), English without one. A test that switches to Vietnamese switches back before it
 * ends. Fails at once when the Vietnamese catalogue is missing. */
static inline void s_language(td_lang lang)
{
    td_i18n_init(lang);
    if (lang == TD_LANG_VI)
        ck_assert_msg(strcmp(td_tr("on time"), "\xC4\x91\xC3\xBAng h\xE1\xBA\xA1n") == 0,
                      "no Vietnamese catalogue in the build tree: '%s'", td_tr("on time"));
}

#define S_COUNT(array) (sizeof(array) / sizeof((array)[0]))

#endif
