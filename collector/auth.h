/* auth.h: the authorised-keys file: which CURVE keys may connect, in which role, and
 * for which units an agent key may report (docs/security.md). */
#ifndef TIENDO_AUTH_H
#define TIENDO_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "keys.h"
#include "registry.h"

#define AUTH_SCOPES_MAX 16    /* scopes on one line */
#define AUTH_NAME_MAX   128   /* bytes of the free-text name */
#define AUTH_LINE_MAX   1024  /* bytes of one line */
#define AUTH_KEYS_MAX   65536 /* lines with a key in one file */

typedef enum {
    AUTH_ROLE_AGENT, /* may connect to the agents socket and submit within its scope */
    AUTH_ROLE_QUERY, /* may connect to the query socket and read everything */
} auth_role;

/* One scope: a unit ("01"), a unit and everything under or merged into it (written
 * 01 followed by slash-star), or every unit ("*"). */
typedef struct {
    char code[TD_CODE_MAX]; /* "" for "*" */
    int subtree;
} auth_scope;

typedef struct {
    uint8_t key[32];
    char z85[TD_Z85_KEY_LEN + 1];
    auth_role role;
    auth_scope scopes[AUTH_SCOPES_MAX];
    int nscopes;
    char scope_text[AUTH_LINE_MAX]; /* as written, for messages */
    char name[AUTH_NAME_MAX];
    int line;
} auth_entry;

/* An auth_t does not change once loaded: any number of threads may read it (auth_find,
 * auth_count, auth_permits) until auth_close; a reload loads a new one and swaps. The
 * file functions take an exclusive lock on PATH.lock, so enrol and revoke in several
 * processes at once take turns. */
typedef struct auth auth_t;

/* Read and check the whole file at path. Every scope code must name a unit of the
 * registry (borrowed; it must outlive the auth object). Refuses a file that group or
 * others may write (anyone who can write it can enrol a key). On error *out is NULL
 * and err says "path:line: reason". */
td_err auth_load(auth_t **out, const char *path, const td_registry_t *registry, char *err,
                 size_t errlen);
/* The same from a buffer; name is used in messages. */
td_err auth_parse(auth_t **out, const char *name, const char *text, size_t len,
                  const td_registry_t *registry, char *err, size_t errlen);
/* Frees and NULLs *auth; accepts NULL. */
void auth_close(auth_t **auth);

/* The entry of a 32-byte public key, or NULL when the key is not enrolled. Valid until
 * auth_close. O(log n). */
const auth_entry *auth_find(const auth_t *auth, const uint8_t key[32]);
size_t auth_count(const auth_t *auth, auth_role role);
/* Every entry, in key order (memcmp of the 32 raw bytes, the order of the store's agents
 * table): *entries points into auth (valid until auth_close). 0 entries for NULL. */
size_t auth_entries(const auth_t *auth, const auth_entry **entries);

/* 1 when the entry may report for unit (an agent entry whose scope holds the unit),
 * 0 otherwise. A subtree scope holds the unit itself, the units whose parent chain
 * reaches it, and units merged into one of those (their successor chain reaches it). */
int auth_permits(const auth_t *auth, const auth_entry *entry, const char *unit);

const char *auth_role_name(auth_role role);

/* Enrol (add, or replace the line of the same key) or revoke a key in the file at path,
 * atomically (write, fsync, rename) under an exclusive lock on path.lock. The new
 * file is parsed with auth_parse before it replaces the old one, so a file the
 * collector would refuse is never written. key is 40 Z85 characters. *replaced is set
 * to 1 when enrol replaced an existing line. revoke returns TD_ERR_NOTFOUND when the
 * key is not in the file. */
td_err auth_file_enrol(const char *path, const char *key, auth_role role, const char *scopes,
                       const char *name, const td_registry_t *registry, int *replaced, char *err,
                       size_t errlen);
td_err auth_file_revoke(const char *path, const char *key, const td_registry_t *registry, char *err,
                        size_t errlen);

#endif
