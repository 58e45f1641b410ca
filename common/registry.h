/* registry.h: the unit registry, task groups and indicator catalogue loaded from data/. */
#ifndef TIENDO_REGISTRY_H
#define TIENDO_REGISTRY_H

#include <stddef.h>

#include "error.h"
#include "period.h"

#define TD_CODE_MAX         16 /* unit code buffer (codes are 2 digits for provinces, 5 for communes) */
#define TD_NAME_MAX         128 /* name buffer, UTF-8 */
#define TD_ELEMENT_NAME_MAX 63  /* bytes in a data element name, [a-z0-9_] */
#define TD_TASK_GROUPS      6 /* Resolution 06-NQ/TW's groups of tasks, numbered 1..TD_TASK_GROUPS */

typedef enum {
    TD_LEVEL_NATION,
    TD_LEVEL_PROVINCE,
    TD_LEVEL_COMMUNE,
    TD_LEVEL_MINISTRY,
} td_unit_level;

/* One record of data/units.csv. The same code may appear in several records with
 * disjoint validity (Huế's 46 before and after 2025-01-01). */
typedef struct {
    char code[TD_CODE_MAX];
    char name[TD_NAME_MAX];
    td_unit_level level;
    char parent[TD_CODE_MAX];    /* "" for the nation */
    td_date valid_from;          /* unset = since always */
    td_date valid_to;            /* unset = still valid */
    char successor[TD_CODE_MAX]; /* "" when none */
} td_unit;

/* One indicator of data/indicators.csv; formula is "a / b" or "sum(a)". */
typedef struct {
    char id[8];
    char name_vi[256];
    char name_en[256];
    char formula[256];
    char numerator[64];                      /* data element; the only one for sum() */
    char denominator[64];                    /* "" for sum() */
    char unit[16];                           /* %, count, m2/person */
    double target_2025_min, target_2025_max; /* NaN when not set */
    double target_2030_min, target_2030_max;
    char verified[8]; /* yes, partly, no */
} td_indicator;

typedef struct {
    int group; /* 1..TD_TASK_GROUPS */
    char title_vi[512];
    char title_en[256];
} td_task_group;

typedef struct td_registry td_registry_t;

/* Load units.csv, task-groups.csv and indicators.csv from data_dir. Every malformed
 * line fails the load with "file:line: reason" in err. */
td_err td_registry_open(td_registry_t **out, const char *data_dir, char *err, size_t errlen);
/* Frees and NULLs *reg; accepts NULL and *reg == NULL. */
void td_registry_close(td_registry_t **reg);

/* The record for code valid on `on` (NULL: the latest record of that code), or NULL. */
const td_unit *td_registry_find(const td_registry_t *reg, const char *code, const td_date *on);
/* All unit records, in file order. */
size_t td_registry_units(const td_registry_t *reg, const td_unit **units);
/* Provincial units that exist on the period's last day, in code order. Fills at most
 * max pointers into out and returns how many exist. */
size_t td_registry_expected(const td_registry_t *reg, const td_period *p, const td_unit **out,
                            size_t max);

size_t td_registry_task_groups(const td_registry_t *reg, const td_task_group **groups);
size_t td_registry_indicators(const td_registry_t *reg, const td_indicator **indicators);
/* The distinct data elements the catalogue's formulas use, in first-use order. */
size_t td_registry_elements(const td_registry_t *reg, const char *const **elements);
int td_registry_has_element(const td_registry_t *reg, const char *element);

/* ---- Units during periods, roll-up, and the shared CSV splitter ---- */

/* The record of `code` whose validity overlaps the period's calendar span (first to
 * last day), or NULL if none does: 06 (Bắc Kạn, valid to 2025-06-30) exists during
 * 2025-Q2 and 2025 but not 2025-Q3. When two records of the code overlap the period
 * (19 during 2025: Thái Nguyên before and after the merger), the later one. */
const td_unit *td_registry_find_during(const td_registry_t *reg, const char *code,
                                       const td_period *p);

/* The unit that `code` counts under on date `on` (the current map when `on` is today or
 * the end of the period being viewed). The record of code valid on `on` if there is one;
 * otherwise, if code's latest record ending before `on` has a successor, the successor's
 * unit on `on`, followed as many times as needed. NULL when the chain ends without a unit
 * valid on `on` (no successor, code unknown, a unit that starts after `on`, or a cycle).
 * Examples for on = 2026-11-29: 06 -> 19 (Thái Nguyên), 46 -> 46 (Huế), 01 -> 01. */
const td_unit *td_registry_current(const td_registry_t *reg, const char *code, const td_date *on);

/* The unit code rule (units.csv, a report's "unit", scopes): 1 to TD_CODE_MAX - 1 of
 * letters, digits, '-', '_' and '.'. */
int td_unit_code_valid(const char *code);

/* The rule of machine names (data elements, datasets): 1 to max characters of a-z, 0-9
 * and _. */
int td_lower_name_valid(const char *name, size_t max);

/* The data element name rule (indicators.csv formulas, a report's "data" keys):
 * td_lower_name_valid with TD_ELEMENT_NAME_MAX. */
int td_element_name_valid(const char *name);

/* The scope rule (docs/security.md, "Scopes"): 1 when code is root, or reaches root by
 * following parent links (a commune of the province) and successor links (a unit merged
 * into it: 06, Bắc Kạn, reaches 19, Thái Nguyên), in any order, through the latest record
 * of each code; else 0. The collector's subtree scope (19 with a slash-star) and the agent's --unit
 * 19 both ask exactly this. Chains longer than 16 links count as not reaching (a cycle in a broken
 * registry). */
int td_registry_within(const td_registry_t *reg, const char *code, const char *root);

/* Split one CSV line in place into fields (RFC 4180 quoting, "" for a quote; a record
 * never spans lines). Fields point into line. Returns 0 with *count set, or -1 with a
 * static reason in *why (too many fields, unterminated quote, ...): an English msgid,
 * shown to people as _(why). The splitter every file of data/ is read with. */
int td_registry_csv_split(char *line, char **fields, size_t max, size_t *count, const char **why);

#endif
