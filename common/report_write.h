/* report_write.h: writing a report as JSON, and the blank template offices fill in. */
#ifndef TIENDO_REPORT_WRITE_H
#define TIENDO_REPORT_WRITE_H

#include "registry.h"
#include "tiendo.pb-c.h"

/* The JSON form of a report (docs/report-format.md), the same form td_report_from_json
 * reads back to an equal message; reals keep 15 significant digits unless that does not
 * read back exactly (then 17). Malloc'd text, caller frees; NULL on no memory.
 * Thread-safe. */
char *td_report_to_json(const Tiendo__Report *report);

/* A skeleton to fill in: the six task groups, every catalogue data element with a null
 * value, an empty action plan; unit, dataset and period as given (NULL: left empty,
 * dataset TD_DEFAULT_DATASET). Malloc'd JSON text, caller frees; NULL on no memory. */
char *td_report_template(const td_registry_t *reg, const char *unit, const char *dataset,
                         const char *period);

#endif
