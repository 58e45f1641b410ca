/* render.h: text and JSON rendering of the tiendo command's answers (pure: writes to a FILE *). */
#ifndef TIENDO_RENDER_H
#define TIENDO_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "registry.h"
#include "tiendo.pb-c.h"

/* ---- UTF-8 and display width ---- */

/* Columns a terminal gives to cp: 0 for combining and other non-spacing marks (Mn, Me),
 * format characters (Cf) and Hangul medial vowels; 2 for East Asian Wide and Fullwidth;
 * 1 otherwise. Control characters count 1 because the renderer prints them as U+FFFD. */
int render_codepoint_width(uint32_t cp);

/* Display width of the NUL-terminated UTF-8 text s (NULL counts 0). */
size_t render_width(const char *s);

typedef enum { RENDER_LEFT, RENDER_RIGHT } render_align;

/* Write text so that it takes exactly `width` columns: padded with spaces (text to the
 * left or right), or cut to width - 1 columns followed by "…" when wider. Invalid bytes
 * and control characters are written as U+FFFD so peer-supplied text can never move the
 * cursor or switch terminal modes. Combining marks stay with their base character. */
void render_cell(FILE *out, const char *text, size_t width, render_align align);

/* Like render_cell, wrapped in the ANSI SGR sequence `sgr` (e.g. "1" bold, "31" red) when
 * sgr is non-NULL and non-empty. The escape bytes take no columns. */
void render_cell_sgr(FILE *out, const char *text, size_t width, render_align align,
                     const char *sgr);

/* ---- Tables ---- */

typedef struct {
    const char *title;
    render_align align;
    size_t max_width; /* 0: as wide as the widest cell; else cells are cut with "…" */
} render_column;

/* Optional per-cell colour: returns an SGR string or NULL for cell (row, col). */
typedef const char *(*render_cell_color_fn)(void *ctx, size_t row, size_t col);

/* Print a table: a header line, a line of dashes, then nrows lines of ncols cells taken
 * row-major from cells (a NULL cell prints as empty). Columns are two spaces apart, each
 * as wide as its widest cell or title (capped at max_width), and every line, the last
 * column included, is padded to the same display width. Each line starts with indent
 * (NULL = none). color may be NULL. Returns TD_OK or TD_ERR_NOMEM. */
td_err render_table(FILE *out, const render_column *cols, size_t ncols, const char *const *cells,
                    size_t nrows, const char *indent, render_cell_color_fn color, void *ctx);

/* ---- Small formatters (all write a NUL-terminated string into buf) ---- */

/* RFC 3339 UTC with milliseconds: "2026-11-29T09:40:00.123Z". buf needs 32 bytes. */
char *render_rfc3339(int64_t unix_ms, char *buf, size_t len);
/* "3 s ago", "12 min ago", "5 h ago", "2 d ago"; "never" when then_ms <= 0. A time in the
 * future (clock differences) counts as 0 s ago. */
char *render_age_ago(int64_t now_ms, int64_t then_ms, char *buf, size_t len);
/* A duration: "850 ms", "12 s", "4 min", "3 h", "2 d" (no sign). */
char *render_duration(int64_t ms, char *buf, size_t len);
/* A signed offset: "+120 ms", "-3.4 s", "+5 min" ("0 ms" for zero). */
char *render_offset(int64_t ms, char *buf, size_t len);

/* ---- Answers ---- */

typedef struct {
    int color;          /* 1: emphasise with ANSI colours (only when stdout is a terminal) */
    size_t line_width;  /* fit lines to this many columns where possible (0: 80) */
    size_t title_width; /* cut task group titles here (0: what line_width leaves, 16..44) */
} render_style;

/* Completeness in percent rounded to one decimal (reported / expected * 100); -1 when
 * nothing is expected. */
double render_completeness_percent(const Tiendo__StatusSummary *s);

/* Timeliness in percent rounded to one decimal (units_on_time / units_expected * 100); -1
 * when nothing is expected or the collector sent no on-time count. */
double render_timeliness_percent(const Tiendo__StatusSummary *s);

/* The national summary for people: headline, deadline and report statuses, task-group
 * table, nation-level indicators against their 2025 and 2030 targets, lagging units, who
 * has not reported. reg supplies task-group titles, indicator names and targets, and unit
 * names; NULL shows numbers and codes only. Lines fit style->line_width where they can. */
td_err render_status_text(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg,
                          const render_style *style);

/* The same summary as JSON (docs/cli-json.md), indented by 2, fields in documented order,
 * followed by a newline. reg may be NULL (titles, indicator names and targets, and names
 * of missing units become null). */
td_err render_status_json(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg);

/* One row per agent: key, last seen, epoch, high water, and its last heartbeat. now_ms is
 * the wall clock used for ages. */
td_err render_agents_text(FILE *out, const Tiendo__AgentList *list, int64_t now_ms,
                          const render_style *style);

/* The agent list as JSON (docs/cli-json.md). */
td_err render_agents_json(FILE *out, const Tiendo__AgentList *list);

/* ---- Indicators by scope, units, one unit, export ---- */

/* Indicators per scope. Level "nation" (or none): one titled table per scope, as in status.
 * Level "province": one matrix, a row per scope (code, name, reports) and a column per
 * indicator ID with its value to one decimal ("—" for no data). */
td_err render_indicators_text(FILE *out, const Tiendo__IndicatorTable *t, const td_registry_t *reg,
                              const render_style *style);
/* {"dataset","period","level","scopes":[{"scope","name","reports","indicators":[...]}]}; the
 * indicator objects are status's (docs/cli-json.md). reg may be NULL. */
td_err render_indicators_json(FILE *out, const Tiendo__IndicatorTable *t, const td_registry_t *reg);

typedef enum {
    RENDER_SORT_CODE = 0,
    RENDER_SORT_NAME,
    RENDER_SORT_PROGRESS,
    RENDER_SORT_STATUS,
} render_sort;

/* "code", "name", "progress", "status" -> *out; 0 on success, -1 for anything else. */
int render_sort_parse(const char *word, render_sort *out);
/* Rank of a report status for sorting: overdue 0, late 1, not_yet_due 2, on_time 3, other 4. */
int render_status_rank(const char *status);
/* Reorder list->units in place: by code; by name (then code); by mean progress ascending,
 * units without progress first (then code); by status rank (then code). */
void render_units_sort(Tiendo__UnitList *list, render_sort by);

/* One row per unit: code, name, status, revision, first received (UTC date), mean progress,
 * under a heading "<title>, <dataset> <period> (deadline ...)". */
td_err render_units_text(FILE *out, const Tiendo__UnitList *list, const char *title,
                         const render_style *style);
/* {"dataset","period","deadline","units":[{"unit","name","level","parent","status",
 * "revision","first_received_at","received_at","mean_progress_percent"}]}. */
td_err render_units_json(FILE *out, const Tiendo__UnitList *list);
/* The same rows as CSV (RFC 4180: header row, CRLF line ends, fields with a comma, quote,
 * CR or LF quoted, quotes doubled; UTF-8 with invalid bytes as U+FFFD). */
td_err render_units_csv(FILE *out, const Tiendo__UnitList *list);
/* One CSV field as render_units_csv writes it (s may be NULL: empty). */
void render_csv_field(FILE *out, const char *s);

/* One unit: identity, validity and successor, status, task groups, data values, action plan
 * and the revision history. reg (may be NULL) supplies task-group titles. */
td_err render_unit_text(FILE *out, const Tiendo__UnitDetail *d, const td_registry_t *reg,
                        const render_style *style);
/* The unit's row fields, valid_from, valid_to, successor, "report" (docs/report-format.md
 * form, or null) and "history" (docs/cli-json.md). */
td_err render_unit_json(FILE *out, const Tiendo__UnitDetail *d);

#endif
