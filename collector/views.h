/* views.h: the drill-down answers: indicators by level, units, one unit, overdue. */
#ifndef TIENDO_VIEWS_H
#define TIENDO_VIEWS_H

#include <stddef.h>

#include "calendar.h"
#include "error.h"
#include "registry.h"
#include "store.h"
#include "tiendo.pb-c.h"

/* Each builds a malloc-built message into *out, owned by the caller (free with
 * summary_free; NULL on error), reading the store in read-only transactions of the
 * calling thread (store.h's rules apply); registry and calendar are borrowed. All read
 * O(units of the period). reason holds a user-facing message on TD_ERR_INVALID (period,
 * level, province or unit) and on TD_ERR_STORE when a stored report the answer needs
 * does not decode (stored_report_decode: it names the record; the answer is refused
 * rather than leave it out). Other errors: TD_ERR_NOMEM, the store's. */

/* The nation and, for level "province", every province of today's map, each indicator by
 * the rules of docs/data.md (rollup.h): a province's own figure, else its parts' (communes,
 * provinces merged into it), each person counted once, with its coverage and the parts'
 * check beside an own figure; on today's map an earlier period's units sum into the
 * province they became (a 2024 report of Bắc Kạn counts under Thái Nguyên). */
td_err views_indicators(store_t *store, const td_registry_t *registry, const char *dataset,
                        const char *period, const char *level, Tiendo__IndicatorTable **out,
                        char *reason, size_t reasonlen);

/* One row per expected unit (or, with province, that province and its units), with its
 * report status (an expected unit reported through the provinces merged into it counts
 * as reported: summary_unit_reporting) and its action-plan tasks overdue today;
 * overdue_only keeps late and overdue rows. */
td_err views_units(store_t *store, const td_registry_t *registry, const td_calendar_t *calendar,
                   const char *dataset, const char *period, const char *province, int overdue_only,
                   Tiendo__UnitList **out, char *reason, size_t reasonlen);

/* One unit: its row (as views_units gives it), latest report and every revision of it. */
td_err views_unit(store_t *store, const td_registry_t *registry, const td_calendar_t *calendar,
                  const char *dataset, const char *period, const char *unit,
                  Tiendo__UnitDetail **out, char *reason, size_t reasonlen);

#endif
