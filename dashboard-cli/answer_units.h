/* answer_units.h: `tiendo units`, `overdue` and `export`: unit rows, sorted, as text, JSON, CSV. */
#ifndef TIENDO_CLI_ANSWER_UNITS_H
#define TIENDO_CLI_ANSWER_UNITS_H

#include <jansson.h>
#include <stdio.h>

#include "answer.h"
#include "error.h"
#include "tiendo.pb-c.h"

/* Pure apart from answer_units_sort, which reorders the list it is given; thread-safe per
 * stream and list (answer.h). */

typedef enum {
    ANSWER_UNITS_BY_CODE = 0,
    ANSWER_UNITS_BY_NAME,
    ANSWER_UNITS_BY_PROGRESS,
    ANSWER_UNITS_BY_STATUS,
} answer_units_order;

/* "code", "name", "progress", "status" -> *out; 0 on success, -1 for anything else (NULL
 * included; *out untouched). */
int answer_units_sort_parse(const char *word, answer_units_order *out);

/* Rank of a report status for sorting: overdue 0, late 1, not_yet_due 2, on_time 3,
 * anything else (NULL included) 4. */
int answer_units_status_rank(const char *status);

/* Reorder list->units in place: by code (byte order); by name (byte order of the UTF-8,
 * then code); by mean progress ascending, units without progress first (then code); by
 * status rank (then code). */
void answer_units_sort(Tiendo__UnitList *list, answer_units_order by);

/* A heading "<title>, <dataset> <period> (deadline ...)" (title NULL: "Units"), then one
 * row per unit: code, name (cut to what the line leaves, 10..40 columns), status,
 * revision, first received (UTC date), mean progress and, when the collector counts them
 * for some row, its overdue action-plan tasks ("—" for a row without the count); then "N
 * units". Overdue red and late yellow with colours, and a non-zero overdue-task count
 * red. Returns TD_OK or TD_ERR_NOMEM. */
td_err answer_units_text(FILE *out, const Tiendo__UnitList *list, const char *title,
                         const answer_style *style);

/* One unit row as a JSON object: unit, name, level, parent, status, revision,
 * first_received_at, received_at, mean_progress_percent, tasks_overdue (docs/cli-json.md;
 * `tiendo unit` starts from it). A new reference; NULL with *failed raised when out of memory (a
 * field that could not be made also raises *failed). */
json_t *answer_units_row_json(const Tiendo__UnitRow *u, int *failed);

/* {"dataset","period","deadline","units":[rows]} with td_json_print. Returns TD_OK,
 * TD_ERR_NOMEM (nothing printed) or TD_ERR_IO. */
td_err answer_units_json(FILE *out, const Tiendo__UnitList *list);

/* The same rows as CSV (RFC 4180): a header row, CRLF line ends, empty fields for unknown
 * values, times by the JSON rule, progress to one decimal, tasks_overdue last. Returns TD_OK or
 * TD_ERR_IO when the stream reports an error. */
td_err answer_units_csv(FILE *out, const Tiendo__UnitList *list);

/* One CSV field as answer_units_csv writes it: quoted (quotes doubled) when it holds a
 * comma, quote, CR or LF; invalid UTF-8 as U+FFFD so the file stays UTF-8; s NULL: empty. */
void answer_units_csv_field(FILE *out, const char *s);

#endif
