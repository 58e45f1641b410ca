/* cli_test.h: helpers the tiendo command's unit tests share (memory streams, lines, columns). */
#ifndef TIENDO_CLI_TEST_H
#define TIENDO_CLI_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
