/* term.h: text for a terminal: display width, safe padded cells, aligned tables, SGR colour. */
#ifndef TIENDO_CLI_TERM_H
#define TIENDO_CLI_TERM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

/* Everything here is pure apart from writing to the FILE * it is given, keeps no state and
 * is thread-safe as long as two threads do not write to one stream. Text is UTF-8 that may
 * come from the network: invalid bytes and characters that could move the cursor, switch
 * terminal modes or reorder the line (C0, DEL, C1, U+2028/9, bidirectional controls) are
 * written as U+FFFD and count one column. */

/* Columns a terminal gives to cp: 0 for combining and other non-spacing marks (Mn, Me),
 * format characters (Cf) and Hangul medial vowels; 2 for East Asian Wide and Fullwidth;
 * 1 otherwise (TD_UTF8_INVALID and unsafe characters: 1, they print as U+FFFD). Tables:
 * unicode_width.inc (gen_unicode_width.py). */
int term_codepoint_width(uint32_t cp);

/* Display width of the NUL-terminated UTF-8 text s (NULL counts 0). */
size_t term_width(const char *s);

typedef enum { TERM_LEFT, TERM_RIGHT } term_align;

/* Write text (NULL: empty) so that it takes exactly `width` columns: padded with spaces
 * (text to the left or right), or cut to width - 1 columns followed by "…" when wider
 * (width 0 writes nothing). Combining marks stay with their base character; a wide
 * character that would straddle the edge is left out and the gap padded. */
void term_cell(FILE *out, const char *text, size_t width, term_align align);

/* term_cell wrapped in the ANSI SGR sequence sgr ("1" bold, "31" red, ...) when sgr is
 * non-NULL and non-empty. The escape bytes take no columns. */
void term_cell_sgr(FILE *out, const char *text, size_t width, term_align align, const char *sgr);

/* text at its own width (no padding, no cut), in sgr when non-NULL and non-empty. */
void term_print(FILE *out, const char *sgr, const char *text);

/* Copy text (NULL: empty) into buf (len bytes) cut to `width` columns, with "…" where it
 * was cut; no padding, bytes left as they are (term_cell makes them safe when printed).
 * Returns buf. */
char *term_fit(const char *text, size_t width, char *buf, size_t len);

typedef struct {
    const char *title;
    term_align align;
    size_t max_width; /* 0: as wide as the widest cell; else cells are cut with "…" */
} term_column;

/* Optional per-cell colour: an SGR string, or NULL, for cell (row, col). */
typedef const char *(*term_cell_color_fn)(void *ctx, size_t row, size_t col);

/* Print a table: a header line, a line of dashes, then nrows lines of ncols cells taken
 * row-major from cells (borrowed; a NULL cell prints as empty). Columns are two spaces
 * apart, each as wide as its widest cell or title (capped at max_width), and every line,
 * the last column included, is padded to the same display width. Each line starts with
 * indent (NULL: none). color may be NULL; ctx is passed to it. Returns TD_OK, or
 * TD_ERR_NOMEM (nothing printed). */
td_err term_table(FILE *out, const term_column *cols, size_t ncols, const char *const *cells,
                  size_t nrows, const char *indent, term_cell_color_fn color, void *ctx);

/* The width left for column flex of a table that should fit line_width: line_width minus
 * every other column at its widest (title or cell, as term_table sizes it) and two spaces
 * for each, kept within min..max. cells as for term_table (flex's cells are not read). */
size_t term_flex_width(const term_column *cols, size_t ncols, const char *const *cells,
                       size_t nrows, size_t flex, size_t line_width, size_t min, size_t max);

#endif
