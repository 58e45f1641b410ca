/* registry.c: loads and checks data/units.csv, task-groups.csv and indicators.csv. */
#include "registry.h"
#include "i18n.h"
#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_FILE_MAX    (64L * 1024 * 1024) /* 3,321 communes take about 300 KiB */
#define S_MAX_FIELDS  32
#define S_ELEMENT_MAX 64 /* sizeof td_indicator.numerator */

struct td_registry {
    td_unit *units; /* file order */
    size_t nunits, units_cap;
    int *unit_lines; /* line of each unit in units.csv, for post-load errors */
    size_t unit_lines_cap;
    const td_unit **by_code;   /* every record, by code then valid_from (unset first) */
    const td_unit **provinces; /* the province records of by_code, same order */
    size_t nprovinces;
    td_task_group *groups;
    size_t ngroups, groups_cap;
    td_indicator *indicators;
    size_t nindicators, indicators_cap;
    char (*elements)[S_ELEMENT_MAX];
    const char **element_list;
    size_t nelements;
};

/* What a row callback gets: where it is, for messages. */
typedef struct {
    const char *file; /* base name: "units.csv" */
    int line;
    char *err;
    size_t errlen;
} s_where;

/* "file:line: " + the reason (fmt: an English msgid, marked N_ at the call, written in the
 * reader's language). Always returns TD_ERR_INVALID, for `return s_bad(...)`. */
static td_err s_bad(const s_where *at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static td_err s_bad(const s_where *at, const char *fmt, ...)
{
    if (at->err == NULL || at->errlen == 0)
        return TD_ERR_INVALID;
    int n = snprintf(at->err, at->errlen, "%s:%d: ", at->file, at->line);
    if (n >= 0 && (size_t) n < at->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(at->err + n, at->errlen - (size_t) n, _(fmt), ap);
        va_end(ap);
    }
    return TD_ERR_INVALID;
}

/* Split one CSV line in place (RFC 4180 quoting: "a, b" and "" for a quote inside).
 * A record never spans lines here: a quote left open at the end of the line is an
 * error, which is what catches a missing closing quote. */
static int s_csv_split(char *line, char **fields, size_t max, size_t *count, const char **why)
{
    size_t n = 0;
    char *r = line;
    for (;;) {
        if (n == max) {
            *why = N_("too many fields");
            return -1;
        }
        char *w = r;
        fields[n++] = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (*r == '\0') {
                    *why = N_("unterminated quote");
                    return -1;
                }
                if (*r == '"') {
                    if (r[1] == '"') {
                        *w++ = '"';
                        r += 2;
                        continue;
                    }
                    r++;
                    break;
                }
                *w++ = *r++;
            }
            if (*r != ',' && *r != '\0') {
                *why = N_("text after a closing quote");
                return -1;
            }
        } else {
            while (*r != ',' && *r != '\0') {
                if (*r == '"') {
                    *why = N_("quote inside an unquoted field");
                    return -1;
                }
                *w++ = *r++;
            }
        }
        char sep = *r; /* w may point at the separator: remember it before ending the field */
        *w = '\0';
        if (sep == '\0')
            break;
        r++;
    }
    *count = n;
    return 0;
}

/* Copy a text field; too long is an error, never a silent truncation. */
static td_err s_text(const s_where *at, const char *what, char *dst, size_t size, const char *src,
                     int required)
{
    size_t len = strlen(src);
    if (required && len == 0)
        return s_bad(at, N_("%s is empty"), what);
    if (len >= size)
        return s_bad(at, N_("%s is longer than %zu bytes"), what, size - 1);
    if (!td_utf8_valid_text(src))
        return s_bad(at, N_("%s is not valid UTF-8"), what);
    memcpy(dst, src, len + 1);
    return TD_OK;
}

/* Unit codes: letters, digits, '-', '_' or '.'; "" only where optional. */
static int s_code_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
           c == '_' || c == '.';
}

int td_unit_code_valid(const char *code)
{
    size_t n = code != NULL ? strlen(code) : 0;
    if (n == 0 || n >= TD_CODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!s_code_char(code[i]))
            return 0;
    }
    return 1;
}

int td_element_name_valid(const char *name)
{
    return td_lower_name_valid(name, TD_ELEMENT_NAME_MAX);
}

int td_lower_name_valid(const char *name, size_t max)
{
    size_t n = name != NULL ? strlen(name) : 0;
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

static td_err s_code(const s_where *at, const char *what, char *dst, const char *src, int required)
{
    for (const char *p = src; *p != '\0'; p++) {
        if (!s_code_char(*p))
            return s_bad(at, N_("%s '%s' may hold only letters, digits, '-', '_' and '.'"), what,
                         src);
    }
    return s_text(at, what, dst, TD_CODE_MAX, src, required);
}

static td_err s_date(const s_where *at, const char *what, td_date *out, const char *src)
{
    if (src[0] == '\0') {
        *out = (td_date){0, 0, 0};
        return TD_OK;
    }
    if (td_date_parse(src, out) != TD_OK)
        return s_bad(at, N_("%s '%s' is not a date (YYYY-MM-DD)"), what, src);
    return TD_OK;
}

static int s_valid_on(const td_unit *u, const td_date *d)
{
    if (td_date_is_set(&u->valid_from) && td_date_compare(&u->valid_from, d) > 0)
        return 0;
    if (td_date_is_set(&u->valid_to) && td_date_compare(d, &u->valid_to) > 0)
        return 0;
    return 1;
}

/* array grown to hold at least need elements of elem bytes (the same pointer when it
 * already does), or NULL with array untouched when memory runs out. */
static void *s_grow(void *array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return array;
    size_t ncap = *cap == 0 ? 64 : *cap * 2;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(array, ncap * elem);
    if (p != NULL)
        *cap = ncap;
    return p;
}

typedef td_err (*s_row_fn)(td_registry_t *reg, char **fields, const s_where *at);

/* Read data_dir/file and hand every data row, split into exactly ncols fields, to fn.
 * Blank lines and lines starting with '#' are skipped; the first other line must be
 * the header. */
static td_err s_load_csv(td_registry_t *reg, const char *data_dir, const char *file,
                         const char *const *header, size_t ncols, s_row_fn fn, char *err,
                         size_t errlen)
{
    td_err rc = TD_OK;
    char path[4096];
    char *buf = NULL;
    FILE *f = NULL;
    int n = snprintf(path, sizeof path, "%s/%s", data_dir, file);
    if (n < 0 || (size_t) n >= sizeof path) {
        td_msg(err, errlen, "%s/%s: path too long", data_dir, file);
        rc = TD_ERR_INVALID;
        goto cleanup;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        td_msg(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        rc = td_err_from_errno(errno);
        goto cleanup;
    }
    buf = malloc((size_t) S_FILE_MAX + 2);
    if (buf == NULL) {
        td_msg(err, errlen, "%s: out of memory", path);
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    size_t len = fread(buf, 1, (size_t) S_FILE_MAX + 1, f);
    if (ferror(f)) {
        td_msg(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        rc = TD_ERR_IO;
        goto cleanup;
    }
    if (len > (size_t) S_FILE_MAX) {
        td_msg(err, errlen, "%s: larger than %ld MiB", path, S_FILE_MAX / (1024 * 1024));
        rc = TD_ERR_TOOBIG;
        goto cleanup;
    }
    buf[len] = '\0';

    char *p = buf;
    char *end = buf + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) /* spreadsheet programs add a BOM */
        p += 3;
    s_where at = {file, 0, err, errlen};
    int seen_header = 0;
    while (p < end) {
        at.line++;
        char *nl = memchr(p, '\n', (size_t) (end - p));
        char *lend = nl != NULL ? nl : end;
        size_t linelen = (size_t) (lend - p);
        if (memchr(p, '\0', linelen) != NULL) {
            rc = s_bad(&at, N_("NUL byte in line"));
            goto cleanup;
        }
        *lend = '\0';
        if (linelen > 0 && p[linelen - 1] == '\r')
            p[--linelen] = '\0';
        char *line = p;
        p = lend + 1;
        if (linelen == 0 || line[0] == '#')
            continue;

        char *fields[S_MAX_FIELDS];
        size_t count = 0;
        const char *why = NULL;
        if (s_csv_split(line, fields, S_MAX_FIELDS, &count, &why) != 0) {
            rc = s_bad(&at, "%s", _(why));
            goto cleanup;
        }
        if (count != ncols) {
            rc = s_bad(&at, N_("expected %zu fields, found %zu"), ncols, count);
            goto cleanup;
        }
        if (!seen_header) {
            for (size_t i = 0; i < ncols; i++) {
                if (strcmp(fields[i], header[i]) != 0) {
                    rc = s_bad(&at, N_("header field %zu is '%s', expected '%s'"), i + 1, fields[i],
                               header[i]);
                    goto cleanup;
                }
            }
            seen_header = 1;
            continue;
        }
        rc = fn(reg, fields, &at);
        if (rc != TD_OK)
            goto cleanup;
    }
    if (!seen_header) {
        td_msg(err, errlen, "%s: no header line", file);
        rc = TD_ERR_INVALID;
    }

cleanup:
    free(buf);
    if (f != NULL)
        fclose(f);
    return rc;
}

static td_err s_unit_row(td_registry_t *reg, char **fields, const s_where *at)
{
    static const char *const levels[] = {"nation", "province", "commune", "ministry"};
    static const td_unit_level level_values[] = {TD_LEVEL_NATION, TD_LEVEL_PROVINCE,
                                                 TD_LEVEL_COMMUNE, TD_LEVEL_MINISTRY};
    td_unit u;
    memset(&u, 0, sizeof u);
    td_err rc = s_code(at, "code", u.code, fields[0], 1);
    if (rc == TD_OK)
        rc = s_text(at, "name", u.name, sizeof u.name, fields[1], 1);
    if (rc != TD_OK)
        return rc;
    size_t i = 0;
    while (i < 4 && strcmp(fields[2], levels[i]) != 0)
        i++;
    if (i == 4)
        return s_bad(at, N_("level '%s' must be nation, province, commune or ministry"), fields[2]);
    u.level = level_values[i];
    rc = s_code(at, "parent", u.parent, fields[3], 0);
    if (rc == TD_OK)
        rc = s_date(at, "valid_from", &u.valid_from, fields[4]);
    if (rc == TD_OK)
        rc = s_date(at, "valid_to", &u.valid_to, fields[5]);
    if (rc == TD_OK)
        rc = s_code(at, "successor", u.successor, fields[6], 0);
    if (rc != TD_OK)
        return rc;
    if (u.level != TD_LEVEL_NATION && u.parent[0] == '\0')
        return s_bad(at, N_("parent is empty (only the nation has no parent)"));
    if (td_date_is_set(&u.valid_from) && td_date_is_set(&u.valid_to) &&
        td_date_compare(&u.valid_from, &u.valid_to) > 0)
        return s_bad(at, N_("valid_from %s is after valid_to %s"), fields[4], fields[5]);

    td_unit *units = s_grow(reg->units, &reg->units_cap, reg->nunits + 1, sizeof *units);
    if (units != NULL)
        reg->units = units;
    int *lines = s_grow(reg->unit_lines, &reg->unit_lines_cap, reg->nunits + 1, sizeof *lines);
    if (lines != NULL)
        reg->unit_lines = lines;
    if (units == NULL || lines == NULL) {
        td_msg(at->err, at->errlen, "%s: out of memory", at->file);
        return TD_ERR_NOMEM;
    }
    reg->unit_lines[reg->nunits] = at->line;
    reg->units[reg->nunits++] = u;
    return TD_OK;
}

static td_err s_group_row(td_registry_t *reg, char **fields, const s_where *at)
{
    td_task_group g;
    memset(&g, 0, sizeof g);
    const char *t = fields[0];
    if (!(t[0] >= '1' && t[0] <= '6' && t[1] == '\0'))
        return s_bad(at, N_("group '%s' must be a number from 1 to 6"), t);
    g.group = t[0] - '0';
    for (size_t i = 0; i < reg->ngroups; i++) {
        if (reg->groups[i].group == g.group)
            return s_bad(at, N_("group %d appears twice"), g.group);
    }
    td_err rc = s_text(at, "title_vi", g.title_vi, sizeof g.title_vi, fields[1], 1);
    if (rc == TD_OK)
        rc = s_text(at, "title_en", g.title_en, sizeof g.title_en, fields[2], 1);
    if (rc != TD_OK)
        return rc;
    td_task_group *groups = s_grow(reg->groups, &reg->groups_cap, reg->ngroups + 1, sizeof g);
    if (groups == NULL) {
        td_msg(at->err, at->errlen, "%s: out of memory", at->file);
        return TD_ERR_NOMEM;
    }
    reg->groups = groups;
    reg->groups[reg->ngroups++] = g;
    return TD_OK;
}

/* One data element name, [a-z0-9_]+, copied into out; returns the text after it or NULL. */
static const char *s_element(const char *p, char *out, size_t size)
{
    size_t n = 0;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_') {
        if (n + 1 >= size)
            return NULL;
        out[n++] = *p++;
    }
    if (n == 0)
        return NULL;
    out[n] = '\0';
    return p;
}

static const char *s_spaces(const char *p)
{
    while (*p == ' ')
        p++;
    return p;
}

/* "a / b" (spaces optional) or "sum(a)". */
static int s_formula(const char *text, char *num, size_t numlen, char *den, size_t denlen)
{
    const char *p = s_spaces(text);
    if (strncmp(p, "sum(", 4) == 0) {
        p = s_element(s_spaces(p + 4), num, numlen);
        if (p == NULL)
            return -1;
        p = s_spaces(p);
        if (*p != ')')
            return -1;
        den[0] = '\0';
        p++;
    } else {
        p = s_element(p, num, numlen);
        if (p == NULL)
            return -1;
        p = s_spaces(p);
        if (*p != '/')
            return -1;
        p = s_element(s_spaces(p + 1), den, denlen);
        if (p == NULL)
            return -1;
    }
    return *s_spaces(p) == '\0' ? 0 : -1;
}

static td_err s_target(const s_where *at, const char *what, double *out, const char *text)
{
    if (text[0] == '\0') {
        *out = NAN;
        return TD_OK;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    /* strtod skips leading blanks and reads "nan"/"inf": refuse both. */
    if (!((text[0] >= '0' && text[0] <= '9') || text[0] == '-' || text[0] == '+' ||
          text[0] == '.') ||
        end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return s_bad(at, N_("%s '%s' is not a number"), what, text);
    *out = v;
    return TD_OK;
}

static td_err s_indicator_row(td_registry_t *reg, char **fields, const s_where *at)
{
    td_indicator ind;
    memset(&ind, 0, sizeof ind);
    char code[TD_CODE_MAX];
    td_err rc = s_code(at, "id", code, fields[0], 1); /* the characters a code may hold */
    if (rc == TD_OK)
        rc = s_text(at, "id", ind.id, sizeof ind.id, fields[0], 1);
    if (rc == TD_OK)
        rc = s_text(at, "name_vi", ind.name_vi, sizeof ind.name_vi, fields[1], 1);
    if (rc == TD_OK)
        rc = s_text(at, "name_en", ind.name_en, sizeof ind.name_en, fields[2], 1);
    if (rc == TD_OK)
        rc = s_text(at, "formula", ind.formula, sizeof ind.formula, fields[3], 1);
    if (rc != TD_OK)
        return rc;
    for (size_t i = 0; i < reg->nindicators; i++) {
        if (strcmp(reg->indicators[i].id, ind.id) == 0)
            return s_bad(at, N_("indicator %s appears twice"), ind.id);
    }
    if (s_formula(ind.formula, ind.numerator, sizeof ind.numerator, ind.denominator,
                  sizeof ind.denominator) != 0)
        return s_bad(at,
                     N_("formula '%s' must be 'a / b' or 'sum(a)' over element names [a-z0-9_]+ "
                        "of at most %zu bytes"),
                     ind.formula, sizeof ind.numerator - 1);
    rc = s_text(at, "unit", ind.unit, sizeof ind.unit, fields[4], 1);
    if (rc == TD_OK)
        rc = s_target(at, "t2025_min", &ind.target_2025_min, fields[5]);
    if (rc == TD_OK)
        rc = s_target(at, "t2025_max", &ind.target_2025_max, fields[6]);
    if (rc == TD_OK)
        rc = s_target(at, "t2030_min", &ind.target_2030_min, fields[7]);
    if (rc == TD_OK)
        rc = s_target(at, "t2030_max", &ind.target_2030_max, fields[8]);
    if (rc != TD_OK)
        return rc;
    if (ind.target_2025_min > ind.target_2025_max) /* false when either is NaN */
        return s_bad(at, N_("t2025_min is above t2025_max"));
    if (ind.target_2030_min > ind.target_2030_max)
        return s_bad(at, N_("t2030_min is above t2030_max"));
    if (strcmp(fields[9], "yes") != 0 && strcmp(fields[9], "partly") != 0 &&
        strcmp(fields[9], "no") != 0)
        return s_bad(at, N_("verified '%s' must be yes, partly or no"), fields[9]);
    strcpy(ind.verified, fields[9]);

    td_indicator *inds =
        s_grow(reg->indicators, &reg->indicators_cap, reg->nindicators + 1, sizeof ind);
    if (inds == NULL) {
        td_msg(at->err, at->errlen, "%s: out of memory", at->file);
        return TD_ERR_NOMEM;
    }
    reg->indicators = inds;
    reg->indicators[reg->nindicators++] = ind;
    return TD_OK;
}

static int s_by_code_cmp(const void *a, const void *b)
{
    const td_unit *x = *(const td_unit *const *) a;
    const td_unit *y = *(const td_unit *const *) b;
    int c = strcmp(x->code, y->code);
    if (c != 0)
        return c;
    int xs = td_date_is_set(&x->valid_from), ys = td_date_is_set(&y->valid_from);
    if (xs != ys)
        return xs - ys; /* "since always" first */
    return td_date_compare(&x->valid_from, &y->valid_from);
}

/* Index of the first record of code in by_code, or nunits when there is none. */
static size_t s_first_of(const td_registry_t *reg, const char *code)
{
    size_t lo = 0, hi = reg->nunits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(reg->by_code[mid]->code, code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < reg->nunits && strcmp(reg->by_code[lo]->code, code) == 0)
        return lo;
    return reg->nunits;
}

/* Cross-record checks once every unit is read: one code's records must not overlap,
 * and parents and successors must exist. */
static td_err s_index_units(td_registry_t *reg, char *err, size_t errlen)
{
    s_where at = {"units.csv", 0, err, errlen};
    if (reg->nunits == 0)
        return TD_OK;
    reg->by_code = malloc(reg->nunits * sizeof *reg->by_code);
    reg->provinces = malloc(reg->nunits * sizeof *reg->provinces);
    if (reg->by_code == NULL || reg->provinces == NULL) {
        td_msg(err, errlen, "units.csv: out of memory");
        return TD_ERR_NOMEM;
    }
    for (size_t i = 0; i < reg->nunits; i++)
        reg->by_code[i] = &reg->units[i];
    qsort(reg->by_code, reg->nunits, sizeof *reg->by_code, s_by_code_cmp);

    for (size_t i = 1; i < reg->nunits; i++) {
        const td_unit *prev = reg->by_code[i - 1];
        const td_unit *cur = reg->by_code[i];
        if (strcmp(prev->code, cur->code) != 0)
            continue;
        /* Sorted by valid_from, disjoint means each ends before the next begins. */
        if (!td_date_is_set(&prev->valid_to) || !td_date_is_set(&cur->valid_from) ||
            td_date_compare(&prev->valid_to, &cur->valid_from) >= 0) {
            int a = reg->unit_lines[prev - reg->units];
            int b = reg->unit_lines[cur - reg->units];
            at.line = a > b ? a : b;
            return s_bad(&at, N_("validity of %s overlaps its record on line %d"), cur->code,
                         a > b ? b : a);
        }
    }
    for (size_t i = 0; i < reg->nunits; i++) {
        const td_unit *u = &reg->units[i];
        at.line = reg->unit_lines[i];
        if (u->parent[0] != '\0' && s_first_of(reg, u->parent) == reg->nunits)
            return s_bad(&at, N_("parent '%s' is not a unit of this file"), u->parent);
        if (u->successor[0] != '\0' && s_first_of(reg, u->successor) == reg->nunits)
            return s_bad(&at, N_("successor '%s' is not a unit of this file"), u->successor);
    }
    for (size_t i = 0; i < reg->nunits; i++) {
        if (reg->by_code[i]->level == TD_LEVEL_PROVINCE)
            reg->provinces[reg->nprovinces++] = reg->by_code[i];
    }
    return TD_OK;
}

static td_err s_index_elements(td_registry_t *reg, char *err, size_t errlen)
{
    size_t max = reg->nindicators * 2;
    if (max == 0)
        return TD_OK;
    reg->elements = malloc(max * sizeof *reg->elements);
    reg->element_list = malloc(max * sizeof *reg->element_list);
    if (reg->elements == NULL || reg->element_list == NULL) {
        td_msg(err, errlen, "indicators.csv: out of memory");
        return TD_ERR_NOMEM;
    }
    for (size_t i = 0; i < reg->nindicators; i++) {
        const char *names[2] = {reg->indicators[i].numerator, reg->indicators[i].denominator};
        for (size_t k = 0; k < 2; k++) {
            if (names[k][0] == '\0' || td_registry_has_element(reg, names[k]))
                continue;
            memcpy(reg->elements[reg->nelements], names[k], strlen(names[k]) + 1);
            reg->element_list[reg->nelements] = reg->elements[reg->nelements];
            reg->nelements++;
        }
    }
    return TD_OK;
}

td_err td_registry_open(td_registry_t **out, const char *data_dir, char *err, size_t errlen)
{
    static const char *const unit_cols[] = {"code",       "name",     "level",    "parent",
                                            "valid_from", "valid_to", "successor"};
    static const char *const group_cols[] = {"group", "title_vi", "title_en"};
    static const char *const indicator_cols[] = {"id",        "name_vi",   "name_en",   "formula",
                                                 "unit",      "t2025_min", "t2025_max", "t2030_min",
                                                 "t2030_max", "verified"};
    td_err rc = TD_OK;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (out == NULL || data_dir == NULL) {
        td_msg(err, errlen, "no registry folder given");
        return TD_ERR_INVALID;
    }
    *out = NULL;
    td_registry_t *reg = calloc(1, sizeof *reg);
    if (reg == NULL) {
        td_msg(err, errlen, "out of memory");
        return TD_ERR_NOMEM;
    }

    rc = s_load_csv(reg, data_dir, "units.csv", unit_cols, 7, s_unit_row, err, errlen);
    if (rc == TD_OK)
        rc = s_index_units(reg, err, errlen);
    if (rc == TD_OK)
        rc = s_load_csv(reg, data_dir, "task-groups.csv", group_cols, 3, s_group_row, err, errlen);
    if (rc == TD_OK) {
        for (int g = 1; g <= 6; g++) {
            size_t i = 0;
            while (i < reg->ngroups && reg->groups[i].group != g)
                i++;
            if (i == reg->ngroups) {
                td_msg(err, errlen, "task-groups.csv: group %d is missing", g);
                rc = TD_ERR_INVALID;
                break;
            }
        }
    }
    if (rc == TD_OK)
        rc = s_load_csv(reg, data_dir, "indicators.csv", indicator_cols, 10, s_indicator_row, err,
                        errlen);
    if (rc == TD_OK)
        rc = s_index_elements(reg, err, errlen);
    if (rc != TD_OK)
        goto cleanup;
    *out = reg;
    reg = NULL;

cleanup:
    td_registry_close(&reg);
    return rc;
}

void td_registry_close(td_registry_t **reg)
{
    if (reg == NULL || *reg == NULL)
        return;
    td_registry_t *r = *reg;
    free(r->units);
    free(r->unit_lines);
    free(r->by_code);
    free(r->provinces);
    free(r->groups);
    free(r->indicators);
    free(r->elements);
    free(r->element_list);
    free(r);
    *reg = NULL;
}

const td_unit *td_registry_find(const td_registry_t *reg, const char *code, const td_date *on)
{
    if (reg == NULL || code == NULL)
        return NULL;
    size_t i = s_first_of(reg, code);
    const td_unit *latest = NULL;
    for (; i < reg->nunits && strcmp(reg->by_code[i]->code, code) == 0; i++) {
        const td_unit *u = reg->by_code[i];
        if (on != NULL && s_valid_on(u, on))
            return u;
        latest = u; /* records are disjoint and ordered: the last one is the latest */
    }
    return on == NULL ? latest : NULL;
}

size_t td_registry_units(const td_registry_t *reg, const td_unit **units)
{
    if (units != NULL)
        *units = reg != NULL ? reg->units : NULL;
    return reg != NULL ? reg->nunits : 0;
}

size_t td_registry_expected(const td_registry_t *reg, const td_period *p, const td_unit **out,
                            size_t max)
{
    if (reg == NULL || p == NULL)
        return 0;
    td_date last;
    td_period_span(p, NULL, &last);
    size_t n = 0;
    for (size_t i = 0; i < reg->nprovinces; i++) {
        if (!s_valid_on(reg->provinces[i], &last))
            continue;
        if (out != NULL && n < max)
            out[n] = reg->provinces[i];
        n++;
    }
    return n;
}

size_t td_registry_task_groups(const td_registry_t *reg, const td_task_group **groups)
{
    if (groups != NULL)
        *groups = reg != NULL ? reg->groups : NULL;
    return reg != NULL ? reg->ngroups : 0;
}

size_t td_registry_indicators(const td_registry_t *reg, const td_indicator **indicators)
{
    if (indicators != NULL)
        *indicators = reg != NULL ? reg->indicators : NULL;
    return reg != NULL ? reg->nindicators : 0;
}

size_t td_registry_elements(const td_registry_t *reg, const char *const **elements)
{
    if (elements != NULL)
        *elements = reg != NULL ? reg->element_list : NULL;
    return reg != NULL ? reg->nelements : 0;
}

int td_registry_has_element(const td_registry_t *reg, const char *element)
{
    if (reg == NULL || element == NULL)
        return 0;
    for (size_t i = 0; i < reg->nelements; i++) {
        if (strcmp(reg->element_list[i], element) == 0)
            return 1;
    }
    return 0;
}

/* ---- Units during periods, roll-up, and the shared CSV splitter ---- */

const td_unit *td_registry_find_during(const td_registry_t *reg, const char *code,
                                       const td_period *p)
{
    if (reg == NULL || code == NULL || p == NULL)
        return NULL;
    td_date first, last;
    td_period_span(p, &first, &last);
    const td_unit *found = NULL;
    for (size_t i = s_first_of(reg, code);
         i < reg->nunits && strcmp(reg->by_code[i]->code, code) == 0; i++) {
        const td_unit *u = reg->by_code[i];
        if (td_date_is_set(&u->valid_from) && td_date_compare(&u->valid_from, &last) > 0)
            break; /* ordered by valid_from: every later record starts after the period too */
        if (!td_date_is_set(&u->valid_to) || td_date_compare(&u->valid_to, &first) >= 0)
            found = u;
    }
    return found;
}

const td_unit *td_registry_current(const td_registry_t *reg, const char *code, const td_date *on)
{
    if (reg == NULL || code == NULL || on == NULL)
        return NULL;
    /* Each hop leaves a distinct record that ended before `on`, so a well-formed chain
     * takes fewer than nunits hops; more means successors form a cycle in the data. */
    for (size_t hops = 0; hops <= reg->nunits; hops++) {
        const td_unit *ended = NULL;
        for (size_t i = s_first_of(reg, code);
             i < reg->nunits && strcmp(reg->by_code[i]->code, code) == 0; i++) {
            const td_unit *u = reg->by_code[i];
            if (s_valid_on(u, on))
                return u;
            if (td_date_is_set(&u->valid_to) && td_date_compare(&u->valid_to, on) < 0)
                ended = u; /* ordered: the last one found is the latest to end */
        }
        if (ended == NULL || ended->successor[0] == '\0')
            return NULL;
        code = ended->successor;
    }
    return NULL;
}

#define S_CHAIN_MAX 16

static int s_within(const td_registry_t *reg, const char *code, const char *root, int depth)
{
    if (strcmp(code, root) == 0)
        return 1;
    if (depth >= S_CHAIN_MAX)
        return 0;
    const td_unit *u = td_registry_find(reg, code, NULL);
    if (u == NULL)
        return 0;
    if (u->successor[0] != '\0' && s_within(reg, u->successor, root, depth + 1))
        return 1;
    return u->parent[0] != '\0' && s_within(reg, u->parent, root, depth + 1);
}

int td_registry_within(const td_registry_t *reg, const char *code, const char *root)
{
    if (reg == NULL || code == NULL || root == NULL || code[0] == '\0' || root[0] == '\0')
        return 0;
    return s_within(reg, code, root, 0);
}

int td_registry_csv_split(char *line, char **fields, size_t max, size_t *count, const char **why)
{
    return s_csv_split(line, fields, max, count, why);
}
