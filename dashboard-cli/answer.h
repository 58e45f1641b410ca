/* answer.h: what every answer of the tiendo command shares: style, rounding, names, dates. */
#ifndef TIENDO_CLI_ANSWER_H
#define TIENDO_CLI_ANSWER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "period.h"
#include "registry.h"

/* Each answer (answer_status.h, answer_agents.h, answer_indicators.h, answer_units.h,
 * answer_unit.h, answer_tasks.h) prints one collector answer for people (text, tables fitted to a
 * line width) and for scripts (JSON of docs/cli-json.md, by common/json_out.h; CSV). Every function
 * here is pure, keeps no state and is thread-safe; the ones that write do so only to the FILE *
 * they are given. */

/* What stands for "nothing" in a table cell: U+2014 EM DASH. */
#define ANSWER_NONE "\xE2\x80\x94"

typedef struct {
    int color;          /* 1: emphasise with ANSI colours (only when stdout is a terminal) */
    size_t line_width;  /* fit lines to this many columns where possible (0: 80) */
    size_t title_width; /* status: cut task group titles here (0: what the line leaves) */
} answer_style;

/* style->line_width, or 80 when style is NULL or gives 0. */
size_t answer_line_width(const answer_style *style);

/* 1 when style turns colours on (style may be NULL: no colours), else 0. */
int answer_colors(const answer_style *style);

/* sgr when style turns colours on, else NULL. */
const char *answer_sgr(const answer_style *style, const char *sgr);

/* text at its own width, made safe for the terminal (term_print), in sgr when style turns
 * colours on. The one way answers print emphasised text. */
void answer_print(FILE *out, const answer_style *style, const char *sgr, const char *text);

/* Print items separated by " · " (U+00B7), starting a new line indented by two spaces where
 * the next item would pass line_width: the one-line summaries ("Deadline ... · on time 30 ·
 * late 2"). sgrs may be NULL, and sgrs[i] NULL (no colour); items are made safe as
 * answer_print does. Ends the line. */
void answer_print_items(FILE *out, const answer_style *style, const char *const *items,
                        const char *const *sgrs, size_t n, size_t line_width);

/* Print heading (in heading_sgr with colours; may be NULL: none), then " item1, item2, ..."
 * wrapped at line_width onto lines indented by two spaces: the lists of units ("Not
 * reported yet (2): 04 Cao Bằng, 48 Đà Nẵng") and of footnotes. Items are made safe for the
 * terminal. Ends the line. */
void answer_print_list(FILE *out, const answer_style *style, const char *heading,
                       const char *heading_sgr, const char *const *items, size_t n,
                       size_t line_width);

/* The colour of a report status wherever it is shown: "31" (red) for overdue, "33"
 * (yellow) for late, NULL for every other word and for NULL. */
const char *answer_report_status_sgr(const char *status);

/* x rounded to one decimal, halves away from zero: how every percentage is shown, in text
 * and JSON. x must be finite and within +-9e17 (callers check isfinite first). */
double answer_round1(double x);

/* A percentage for JSON: answer_round1(v), or null when has is 0 or v is not finite. A new
 * reference, NULL when out of memory (td_json_set records that). */
json_t *answer_json_percent(int has, double v);

/* The UTC date of unix_ms, "2026-10-03", or ANSWER_NONE when has is 0 or unix_ms <= 0.
 * buf needs 32 bytes; returns buf. */
char *answer_date_text(int has, int64_t unix_ms, char *buf, size_t len);

/* An agent outbox's epoch as 16 lower-case hex digits, "00c0ffee12345678" (a string in
 * JSON: numbers there cannot hold 64 bits). buf needs 17 bytes; returns buf. */
char *answer_epoch_text(uint64_t epoch, char *buf, size_t len);

/* The last day of the period named by text (canonical form, as the collector sends it),
 * written to *buf: the day whose unit names an answer shows. NULL when text is NULL or
 * not a period. */
const td_date *answer_period_last_day(const char *text, td_date *buf);

/* A unit's name: sent (the collector's) when non-empty, else the registry's name of code
 * valid on `on` (NULL: any day), else the registry's name under any validity, else NULL.
 * reg may be NULL (no registry: only sent). The returned text is borrowed from sent or
 * from reg and lives as long as they do. */
const char *answer_name_of(const td_registry_t *reg, const char *sent, const char *code,
                           const td_date *on);

#endif
