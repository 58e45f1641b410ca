/* offices.c: the authorised keys and the agents table merged, and each office's state. */
#include "offices.h"

#include <stdlib.h>
#include <string.h>

static const char *const s_names[OFFICE_STATE__COUNT] = {
    [OFFICE_CONNECTED] = "connected",
    [OFFICE_SILENT] = "silent",
    [OFFICE_NEVER_CONNECTED] = "never_connected",
    [OFFICE_REVOKED] = "revoked",
};

const char *office_state_name(office_state state)
{
    return state < OFFICE_STATE__COUNT ? s_names[state] : "unknown";
}

office_state office_state_of(int enrolled, int64_t last_seen_ms, const offices_view *view)
{
    if (!enrolled)
        return OFFICE_REVOKED;
    if (last_seen_ms <= 0)
        return OFFICE_NEVER_CONNECTED;
    /* a clock set back makes an age below 0: that contact is as recent as can be */
    return view->now_ms - last_seen_ms > view->silent_after_ms ? OFFICE_SILENT : OFFICE_CONNECTED;
}

typedef struct {
    const offices_view *view;
    const auth_entry *entries; /* sorted by key, like the agents table */
    size_t nentries, next;     /* entries before `next` were passed on */
    office_fn fn;
    void *ctx;
    int stopped;
} s_merge;

/* Pass on the enrolled keys that sort before key (NULL: all that are left): never seen. */
static int s_enrolled_before(s_merge *m, const uint8_t *key)
{
    for (; m->next < m->nentries; m->next++) {
        const auth_entry *e = &m->entries[m->next];
        if (key != NULL && memcmp(e->key, key, STORE_KEY_BYTES) >= 0)
            break;
        office o = {e->key, e, NULL, OFFICE_NEVER_CONNECTED};
        if (m->fn(m->ctx, &o) != 0) {
            m->stopped = 1;
            return 1;
        }
    }
    return 0;
}

static int s_on_agent(void *arg, const store_agent *a)
{
    s_merge *m = arg;
    if (s_enrolled_before(m, a->agent) != 0)
        return 1;
    const auth_entry *e = NULL;
    if (m->next < m->nentries && memcmp(m->entries[m->next].key, a->agent, STORE_KEY_BYTES) == 0)
        e = &m->entries[m->next++];
    office o = {a->agent, e, a, office_state_of(e != NULL, a->last_seen_ms, m->view)};
    if (m->fn(m->ctx, &o) != 0) {
        m->stopped = 1;
        return 1;
    }
    return 0;
}

td_err offices_scan(store_txn *txn, const offices_view *view, office_fn fn, void *ctx)
{
    s_merge m = {view, NULL, 0, 0, fn, ctx, 0};
    m.nentries = auth_entries(view->auth, &m.entries);
    td_err rc = store_scan_agents(txn, s_on_agent, &m);
    if (rc == TD_OK && !m.stopped)
        s_enrolled_before(&m, NULL);
    return rc;
}

typedef struct {
    const auth_entry **live; /* connected agent keys */
    size_t n, cap;
    td_err rc;
} s_connected;

static int s_on_office(void *arg, const office *o)
{
    s_connected *c = arg;
    if (o->entry == NULL || o->entry->role != AUTH_ROLE_AGENT || o->state != OFFICE_CONNECTED)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        const auth_entry **grown = realloc(c->live, cap * sizeof *grown);
        if (grown == NULL) {
            c->rc = TD_ERR_NOMEM;
            return 1;
        }
        c->live = grown;
        c->cap = cap;
    }
    c->live[c->n++] = o->entry;
    return 0;
}

td_err offices_live_units(store_txn *txn, const offices_view *view, const td_unit *const *units,
                          size_t n, unsigned char *live)
{
    memset(live, 0, n);
    s_connected c = {NULL, 0, 0, TD_OK};
    td_err rc = offices_scan(txn, view, s_on_office, &c);
    if (rc == TD_OK)
        rc = c.rc;
    size_t left = n;
    for (size_t k = 0; rc == TD_OK && k < c.n && left > 0; k++) {
        for (size_t i = 0; i < n; i++) {
            if (!live[i] && auth_permits(view->auth, c.live[k], units[i]->code)) {
                live[i] = 1;
                left--;
            }
        }
    }
    free(c.live);
    return rc;
}
