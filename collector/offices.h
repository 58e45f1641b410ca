/* offices.h: every office the collector knows: the authorised keys in force merged with the
 * agents table (last contact, backlog), each with its state (connected, silent, never
 * connected, revoked). The agents answer, the status answer and the metrics all read it. */
#ifndef TIENDO_OFFICES_H
#define TIENDO_OFFICES_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "error.h"
#include "registry.h"
#include "store.h"

typedef enum {
    OFFICE_CONNECTED,       /* enrolled; last contact within the silence threshold */
    OFFICE_SILENT,          /* enrolled; last contact longer ago than the threshold */
    OFFICE_NEVER_CONNECTED, /* enrolled; no contact ever (not in the agents table) */
    OFFICE_REVOKED,         /* in the agents table, no longer in the authorised keys */
    OFFICE_STATE__COUNT
} office_state;

/* What decides the states: the keys in force, the threshold, and the moment. */
typedef struct {
    const auth_t *auth;      /* borrowed; NULL: nothing is enrolled */
    int64_t silent_after_ms; /* no contact for longer than this is "silent" */
    int64_t now_ms;          /* wall clock, Unix ms */
} offices_view;

/* One office as offices_scan passes it (pointers valid during the callback only). */
typedef struct {
    const uint8_t *key;       /* the raw CURVE public key (STORE_KEY_BYTES) */
    const auth_entry *entry;  /* its line in the authorised keys; NULL: revoked */
    const store_agent *agent; /* its agents table record; NULL: never made contact */
    office_state state;
} office;

/* The state of a key: enrolled or not, last contact at last_seen_ms (0: never). Contact
 * means any envelope on the agents socket (reports and heartbeats): a query key never
 * makes any, so it is "never_connected" whatever its use of `tiendo`. Pure. */
office_state office_state_of(int enrolled, int64_t last_seen_ms, const offices_view *view);

/* "connected", "silent", "never_connected", "revoked" (stable: JSON, metrics labels). */
const char *office_state_name(office_state state);

/* Every key that is enrolled or in the agents table, once, in key order: the two sorted
 * lists merged in one pass (O(keys + agents)). fn returns non-zero to stop (not an error).
 * Errors: the store's (store_scan_agents). Reads in txn; view is borrowed. */
typedef int (*office_fn)(void *ctx, const office *office);
td_err offices_scan(store_txn *txn, const offices_view *view, office_fn fn, void *ctx);

/* Which of the n units have a live agent: live[i] is set to 1 when some enrolled agent key
 * whose scope permits units[i] (auth_permits) is connected, else 0. One offices_scan, then
 * O(connected keys x units) scope checks, each unit dropped once it is live. Errors: the
 * store's. */
td_err offices_live_units(store_txn *txn, const offices_view *view, const td_unit *const *units,
                          size_t n, unsigned char *live);

#endif
