/* answer.h: what every answer of the tiendo command shares: style, rounding, names, dates. */
#ifndef TIENDO_CLI_ANSWER_H
#define TIENDO_CLI_ANSWER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "period.h"
#include "registry.h"
#include "term.h"

/* Each answer (answer_status.h, answer_agents.h, answer_indicators.h, answer_units.h,
 * answer_unit.h, answer_tasks.h) prints one collector answer for people (text, tables fitted to a
 * line width) and for scripts (JSON of docs/cli-json.md, by common/json_out.h; CSV). Every function
 * here is pure, keeps no state and is thread-safe; the ones that write do so only to the FILE *
 * they are given.
 *
 * Text for people is in the language of common/i18n.h (td_i18n_init): words through
 * gettext, numbers, percentages and dates through td_fmt_* ("57,5 %", "1.007",
 * "25/12/2026" in Vietnamese; "57.5 %", "1,007", "2026-12-25" in English). JSON and CSV
 * never use these: they are the same bytes in every language and locale. */

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

/* Copy n column definitions into out with each title translated (answer_tr_context; the
 * tables mark their titles with N_): a table's header in the reader's language. */
void answer_columns(term_column *out, const term_column *in, size_t n);

/* td_tr for a msgid that carries its context before a '|' ("target|Status": the Status
 * column after a target, which Vietnamese words otherwise than a report's status): the
 * translation when the catalogue has one, else the text after the '|' (the English).
 * msgid without '|' is td_tr's. Borrowed; lives as long as the catalogue and msgid. */
const char *answer_tr_context(const char *msgid);

/* A report status for people: "on time", "late", "not yet due", "overdue" (translated:
 * "đúng hạn", "trễ hạn", "chưa đến hạn", "quá hạn") for the JSON words on_time, late,
 * not_yet_due and overdue; another word as it came with '_' read as ' '; "?" for NULL or
 * "". Writes buf (48 bytes hold any) and returns it. */
char *answer_report_status_text(const char *status, char *buf, size_t len);

/* A task group's title in the reader's language: the registry's title_vi under
 * Vietnamese (title_en when it has none), title_en under English. NULL for NULL; the text
 * is borrowed from g. */
const char *answer_group_title(const td_task_group *g);

/* An indicator's name in the reader's language (name_vi / name_en, as for the titles).
 * NULL for NULL; borrowed from ind. */
const char *answer_indicator_name(const td_indicator *ind);

/* An indicator's unit for people: "%" and other symbols as they are, "m2/person" in the
 * reader's language ("m2/người"); NULL for NULL. */
const char *answer_measure_text(const char *unit);

/* A percentage for people, rounded by answer_round1 and written by td_fmt_percent:
 * "57,5 %" / "57.5 %". v must be finite. Returns buf. */
char *answer_percent_text(double v, char *buf, size_t len);

/* A number as data give it (up to 10 significant digits, no trailing zeros, as "%.10g"),
 * grouped and pointed in the reader's way: 14054900 "14.054.900" / "14,054,900", 1.5
 * "1,5" / "1.5". Returns buf (64 bytes hold any). */
char *answer_number_text(double v, char *buf, size_t len);

/* A day sent as text ("2026-12-25": deadlines, completion dates, validity) in the reader's
 * form (td_fmt_date: "25/12/2026" / "2026-12-25"); text that is not a day is copied as it
 * is (its first 16 bytes); ANSWER_NONE for NULL or "". Returns buf (32 bytes). */
char *answer_day_text(const char *text, char *buf, size_t len);

/* The colour of a report status wherever it is shown: "31" (red) for overdue, "33"
 * (yellow) for late, NULL for every other word and for NULL. */
const char *answer_report_status_sgr(const char *status);

/* x rounded to one decimal, halves away from zero: how every percentage is shown, in text
 * and JSON. x must be finite and within +-9e17 (callers check isfinite first). */
double answer_round1(double x);

/* A percentage for JSON: answer_round1(v), or null when has is 0 or v is not finite. A new
 * reference, NULL when out of memory (td_json_set records that). */
json_t *answer_json_percent(int has, double v);

/* The UTC date of unix_ms in the reader's form (td_fmt_date: "03/10/2026" /
 * "2026-10-03"), or ANSWER_NONE when has is 0 or unix_ms <= 0. buf needs 32 bytes;
 * returns buf. */
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
