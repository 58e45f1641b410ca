/* rollup.h: one count per element: every scope's figure for a period, from its own report
 * or from its parts, never both (docs/data.md, "Counting each person once"). */
#ifndef TIENDO_ROLLUP_H
#define TIENDO_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "period.h"
#include "registry.h"
#include "tiendo.pb-c.h"

/* The territory tree of one period. Its root is the nation ("VN"); below it the expected
 * units (the provinces that exist on the period's last day, td_registry_expected); below a
 * unit, its parts: the communes whose parent it is and the provinces merged into it
 * (their successor chain reaches it) that exist during the period, each with its own
 * communes. A code means the record td_registry_find_during gives for the period (the unit
 * that holds the code on the period's last day when there is one), so the old and the
 * new Thái Nguyên (19) are one node in 2025 and two different units in 2024 and 2026.
 *
 * The rule: a node's figure for an indicator is its own report's when that report gives
 * every element the formula needs; else the sum, over its parts, of their figures (the
 * numerator and the denominator from the same parts); else there is none. So the nation
 * counts each person once, whoever reported: a province's own figure wins over its
 * communes', a successor's own figure over its predecessors'. When a node has its own
 * figure and its parts give one too, the parts' value is kept as a check.
 *
 * The map. The tree is the period's; figures are shown on a map chosen at open: the
 * period's own (its last day: 63 provinces for 2024) or a later one (today's: 34). On a
 * later map, a unit of today is the plain sum of the period's expected units that became
 * it (2024 on today's map: Thái Nguyên = the old 19 + Bắc Kạn 06, both whole provinces
 * then, so neither's figure "wins"); a unit of today that is exactly one expected unit of
 * the period under its own code (01 in 2024, 79 in 2025) shows that unit's figure, own
 * figure and check included. The nation is the same on either map.
 *
 * Memory is O(nodes x elements); adding a report is O(its values), the first query
 * computes every node once (O(nodes x indicators)). Not thread-safe; reports passed to
 * td_rollup_add are copied (only their values are kept). */
typedef struct td_rollup td_rollup_t;

/* The tree of period p for reg's catalogue (reg is borrowed and must outlive it), shown on
 * the map of map_on (NULL: the period's last day). TD_ERR_NOMEM, or TD_OK. */
td_err td_rollup_open(td_rollup_t **out, const td_registry_t *reg, const td_period *p,
                      const td_date *map_on);
/* Frees and NULLs *r; accepts NULL. */
void td_rollup_close(td_rollup_t **r);

/* Add the latest report of unit for the period, received first at first_received_ms
 * (timeliness; 0 when unknown). TD_ERR_NOTFOUND when the unit is not in the tree (a
 * ministry, or a unit that does not exist during the period: its report is counted
 * nowhere), TD_ERR_EXISTS when that unit was added already, TD_ERR_INVALID for a value
 * that is negative, not finite or given twice (only validated reports belong here). */
td_err td_rollup_add(td_rollup_t *r, const char *unit, const Tiendo__Report *report,
                     int64_t first_received_ms);

typedef enum {
    TD_FIGURE_NONE,  /* no data: nobody below gave the elements */
    TD_FIGURE_OWN,   /* the scope's own report */
    TD_FIGURE_PARTS, /* the sum of its parts' figures */
} td_figure_source;

/* One indicator at one scope. */
typedef struct {
    td_figure_source source;
    int has_value;          /* 0: no data, or a denominator of 0 */
    double value;           /* the formula over numerator and denominator */
    double numerator;       /* the sums the value comes from (same set of reports) */
    double denominator;     /* ratios only; 0 for sum() */
    unsigned covered;       /* own: 1; parts: the parts that gave a figure */
    unsigned expected;      /* own: 1; parts: the parts there are (the nation: expected units) */
    int partial;            /* covered < expected here, or a part's figure was partial */
    unsigned reports;       /* reports the figure was made from, at any depth */
    int has_check;          /* own figure, and the parts gave one too */
    int check_has_value;    /* the parts' value exists (non-zero denominator) */
    double check_value;     /* the parts' value, for comparison */
    double check_numerator; /* and its sums */
    double check_denominator;
    unsigned check_covered; /* parts that gave it (of expected) */
    unsigned check_expected;
} td_indicator_figure;

/* The figure of ind (an indicator of reg's catalogue) at scope: "VN", a unit of the map
 * (td_rollup_map_units), or any other unit of the period's tree (a commune, a
 * predecessor). TD_ERR_NOTFOUND when the scope is neither, TD_ERR_INVALID when ind is
 * not of the catalogue. */
td_err td_rollup_indicator(td_rollup_t *r, const char *scope, const td_indicator *ind,
                           td_indicator_figure *out);

/* The units of the map, in code order: the provinces valid on map_on (on the period's
 * map, the period's expected units). Pointers into the registry; *units lives as long
 * as the rollup. */
size_t td_rollup_map_units(const td_rollup_t *r, const td_unit *const **units);

/* Reports added at or below scope (0 when the scope is not in the tree). */
unsigned td_rollup_reports(td_rollup_t *r, const char *scope);

/* How an expected unit reported: by itself, or through the provinces merged into it. */
typedef struct {
    int own; /* the unit's own report was added */
    int64_t own_first_received_ms;
    unsigned parts;                  /* provinces merged into it that exist during the period */
    unsigned parts_reported;         /* of those, how many reported */
    int64_t parts_first_received_ms; /* the earliest first receipt among them (0: none) */
} td_rollup_unit;

/* For an expected unit (a child of the root): TD_OK with *out filled, TD_ERR_NOTFOUND
 * for any other code. */
td_err td_rollup_unit_state(const td_rollup_t *r, const char *unit, td_rollup_unit *out);

/* The provinces merged into an expected unit that reported for the period (the parts
 * td_rollup_unit_state counts in parts_reported), in code order: at most max codes into
 * codes (pointers into the rollup, valid until td_rollup_close). Returns how many
 * reported (may exceed max); 0 for a code that is not an expected unit. */
size_t td_rollup_parts_reported(const td_rollup_t *r, const char *unit, const char **codes,
                                size_t max);

/* Reports added for units outside the tree (td_rollup_add's TD_ERR_NOTFOUND). */
unsigned td_rollup_outside(const td_rollup_t *r);

#endif
