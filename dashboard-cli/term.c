/* term.c: display width from the Unicode tables, cells that cannot break the terminal, tables. */
#include "term.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

typedef struct {
    uint32_t first, last;
} s_range;

#include "unicode_width.inc"

static const char s_ellipsis[] = "\xE2\x80\xA6";    /* U+2026, one column */
static const char s_replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

static int s_in_ranges(const s_range *ranges, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < ranges[mid].first)
            hi = mid;
        else if (cp > ranges[mid].last)
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

/* Characters that could move the cursor, change terminal modes or reorder the line if
 * printed as they are; text from the network shows them as U+FFFD. */
static int s_is_unsafe(uint32_t cp)
{
    return cp == TD_UTF8_INVALID || cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 ||
           cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

int term_codepoint_width(uint32_t cp)
{
    if (s_is_unsafe(cp))
        return 1; /* printed as U+FFFD */
    if (cp < 0x300)
        return 1; /* fast path: ASCII and Latin-1/Latin Extended, Vietnamese precomposed */
    if (s_in_ranges(s_zero_width, sizeof s_zero_width / sizeof s_zero_width[0], cp))
        return 0;
    if (s_in_ranges(s_wide, sizeof s_wide / sizeof s_wide[0], cp))
        return 2;
    return 1;
}

size_t term_width(const char *s)
{
    size_t width = 0, len;

    if (s == NULL)
        return 0;
    len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += td_utf8_decode(s + i, len - i, &cp);
        width += (size_t) term_codepoint_width(cp);
    }
    return width;
}

/* How many bytes of s fit in `limit` columns (combining marks stay with the character they
 * follow), and how many columns they take. */
static size_t s_prefix_fitting(const char *s, size_t len, size_t limit, size_t *used_out)
{
    size_t used = 0, i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = td_utf8_decode(s + i, len - i, &cp);
        size_t w = (size_t) term_codepoint_width(cp);
        if (w > 0 && used + w > limit)
            break;
        used += w;
        i += n;
    }
    *used_out = used;
    return i;
}

/* Write len bytes of s, replacing malformed sequences and unsafe characters by U+FFFD. */
static void s_write_safe(FILE *out, const char *s, size_t len)
{
    size_t i = 0, clean_from = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = td_utf8_decode(s + i, len - i, &cp);
        int bad = s_is_unsafe(cp) || cp == TD_UTF8_INVALID;
        if (bad) {
            fwrite(s + clean_from, 1, i - clean_from, out);
            fputs(s_replacement, out);
            clean_from = i + n;
        }
        i += n;
    }
    fwrite(s + clean_from, 1, len - clean_from, out);
}

static void s_spaces(FILE *out, size_t n)
{
    while (n-- > 0)
        fputc(' ', out);
}

void term_cell(FILE *out, const char *text, size_t width, term_align align)
{
    size_t len, shown_bytes, used;
    int cut;

    if (text == NULL)
        text = "";
    len = strlen(text);
    if (term_width(text) <= width) {
        shown_bytes = len;
        used = term_width(text);
        cut = 0;
    } else if (width == 0) {
        return;
    } else {
        shown_bytes = s_prefix_fitting(text, len, width - 1, &used);
        used += 1; /* the ellipsis */
        cut = 1;
    }
    if (align == TERM_RIGHT)
        s_spaces(out, width - used);
    s_write_safe(out, text, shown_bytes);
    if (cut)
        fputs(s_ellipsis, out);
    if (align == TERM_LEFT)
        s_spaces(out, width - used);
}

void term_cell_sgr(FILE *out, const char *text, size_t width, term_align align, const char *sgr)
{
    int on = sgr != NULL && sgr[0] != '\0';

    if (on)
        fprintf(out, "\x1b[%sm", sgr);
    term_cell(out, text, width, align);
    if (on)
        fputs("\x1b[0m", out);
}

void term_print(FILE *out, const char *sgr, const char *text)
{
    term_cell_sgr(out, text, term_width(text), TERM_LEFT, sgr);
}

char *term_fit(const char *text, size_t width, char *buf, size_t len)
{
    size_t used, n;

    if (text == NULL)
        text = "";
    if (term_width(text) <= width) {
        snprintf(buf, len, "%s", text);
    } else if (width == 0) {
        buf[0] = '\0';
    } else {
        n = s_prefix_fitting(text, strlen(text), width - 1, &used);
        snprintf(buf, len, "%.*s%s", (int) n, text, s_ellipsis);
    }
    return buf;
}

td_err term_table(FILE *out, const term_column *cols, size_t ncols, const char *const *cells,
                  size_t nrows, const char *indent, term_cell_color_fn color, void *ctx)
{
    size_t *widths;

    if (ncols == 0)
        return TD_OK;
    widths = calloc(ncols, sizeof *widths);
    if (widths == NULL)
        return TD_ERR_NOMEM;
    for (size_t c = 0; c < ncols; c++) {
        widths[c] = term_width(cols[c].title);
        for (size_t r = 0; r < nrows; r++) {
            size_t w = term_width(cells[r * ncols + c]);
            if (w > widths[c])
                widths[c] = w;
        }
        if (cols[c].max_width > 0 && widths[c] > cols[c].max_width)
            widths[c] = cols[c].max_width;
    }

    fputs(indent ? indent : "", out);
    for (size_t c = 0; c < ncols; c++) {
        if (c > 0)
            fputs("  ", out);
        term_cell(out, cols[c].title, widths[c], cols[c].align);
    }
    fputc('\n', out);
    fputs(indent ? indent : "", out);
    for (size_t c = 0; c < ncols; c++) {
        if (c > 0)
            fputs("  ", out);
        for (size_t i = 0; i < widths[c]; i++)
            fputc('-', out);
    }
    fputc('\n', out);
    for (size_t r = 0; r < nrows; r++) {
        fputs(indent ? indent : "", out);
        for (size_t c = 0; c < ncols; c++) {
            if (c > 0)
                fputs("  ", out);
            term_cell_sgr(out, cells[r * ncols + c], widths[c], cols[c].align,
                          color ? color(ctx, r, c) : NULL);
        }
        fputc('\n', out);
    }
    free(widths);
    return TD_OK;
}

size_t term_flex_width(const term_column *cols, size_t ncols, const char *const *cells,
                       size_t nrows, size_t flex, size_t line_width, size_t min, size_t max)
{
    size_t other = 0;

    for (size_t c = 0; c < ncols; c++) {
        size_t w = term_width(cols[c].title);
        if (c == flex)
            continue;
        for (size_t r = 0; r < nrows; r++)
            if (term_width(cells[r * ncols + c]) > w)
                w = term_width(cells[r * ncols + c]);
        other += w + 2;
    }
    if (line_width > other + max)
        return max;
    return line_width > other + min ? line_width - other : min;
}
