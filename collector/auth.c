/* auth.c: parses, queries and edits the authorised-keys file (docs/security.md). */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "log.h"
#include "atomic_file.h"

#define S_FILE_MAX ((size_t) 16 << 20) /* 65,536 lines of about 100 bytes fit easily */
#define S_FILE_HEAD                                                                                \
    "# tiendo authorised keys (docs/security.md). One key per line:\n"                             \
    "#   ROLE  PUBLIC-KEY  SCOPE[,SCOPE...]  [NAME]\n"                                             \
    "# ROLE is agent or query; SCOPE is a unit (01), a unit and all under\n"                       \
    "# it (01/*) or every unit (*); query keys take *. Edit with\n"                                \
    "# `tiendo-collector enrol` / `revoke`, then reload (SIGHUP).\n"

struct auth {
    auth_entry *entries; /* sorted by key */
    size_t n;
    const td_registry_t *registry;
};

const char *auth_role_name(auth_role role)
{
    return role == AUTH_ROLE_QUERY ? "query" : "agent";
}

static int s_role_parse(const char *text, auth_role *role)
{
    if (strcmp(text, "agent") == 0)
        *role = AUTH_ROLE_AGENT;
    else if (strcmp(text, "query") == 0)
        *role = AUTH_ROLE_QUERY;
    else
        return -1;
    return 0;
}

static int s_key_compare(const void *a, const void *b)
{
    return memcmp(((const auth_entry *) a)->key, ((const auth_entry *) b)->key, 32);
}

/* Split off the next whitespace-separated token of *cursor (NUL-terminating it). */
static char *s_token(char **cursor)
{
    char *p = *cursor + strspn(*cursor, " \t");
    if (*p == '\0')
        return NULL;
    char *end = p + strcspn(p, " \t");
    if (*end != '\0')
        *end++ = '\0';
    *cursor = end;
    return p;
}

// Parse 01, 01/*, * and comma lists of them into e->scopes.
static int s_scopes_parse(auth_entry *e, const char *text, const td_registry_t *reg, char *why,
                          size_t whylen)
{
    snprintf(e->scope_text, sizeof e->scope_text, "%s", text);
    size_t tlen = strlen(text);
    if (tlen == 0 || text[0] == ',' || text[tlen - 1] == ',' || strstr(text, ",,") != NULL) {
        td_msg(why, whylen, "scope '%s' has an empty item (stray comma)", text);
        return -1;
    }
    char buf[AUTH_LINE_MAX];
    snprintf(buf, sizeof buf, "%s", text);
    e->nscopes = 0;
    char *save = NULL;
    for (char *s = strtok_r(buf, ",", &save); s != NULL; s = strtok_r(NULL, ",", &save)) {
        if (e->nscopes == AUTH_SCOPES_MAX) {
            td_msg(why, whylen, "more than %d scopes", AUTH_SCOPES_MAX);
            return -1;
        }
        auth_scope *sc = &e->scopes[e->nscopes];
        size_t len = strlen(s);
        sc->subtree = 0;
        sc->code[0] = '\0';
        if (strcmp(s, "*") == 0) {
            sc->subtree = 1;
        } else {
            if (len > 2 && strcmp(s + len - 2, "/*") == 0) {
                sc->subtree = 1;
                len -= 2;
            }
            if (len == 0 || len >= sizeof sc->code) {
                td_msg(why, whylen, "scope '%s' is not a unit code, CODE/* or *", s);
                return -1;
            }
            memcpy(sc->code, s, len);
            sc->code[len] = '\0';
            if (reg != NULL && td_registry_find(reg, sc->code, NULL) == NULL) {
                td_msg(why, whylen, "scope '%s': no unit %s in the registry (data/units.csv)", s,
                       sc->code);
                return -1;
            }
        }
        e->nscopes++;
    }
    if (e->nscopes == 0) {
        td_msg(why, whylen, "no scope (give a unit, CODE/* or *)");
        return -1;
    }
    return 0;
}

/* Parse one non-comment line into e. Returns 0 or -1 with why set. */
static int s_line_parse(char *line, auth_entry *e, const td_registry_t *reg, char *why,
                        size_t whylen)
{
    memset(e, 0, sizeof *e);
    char *cursor = line;
    char *role = s_token(&cursor), *key = s_token(&cursor), *scopes = s_token(&cursor);
    if (role == NULL || key == NULL || scopes == NULL) {
        td_msg(why, whylen, "expected ROLE PUBLIC-KEY SCOPE [NAME]");
        return -1;
    }
    if (s_role_parse(role, &e->role) != 0) {
        td_msg(why, whylen, "role '%.32s' is not agent or query", role);
        return -1;
    }
    if (strlen(key) != TD_Z85_KEY_LEN || zmq_z85_decode(e->key, key) == NULL) {
        td_msg(why, whylen, "'%.48s' is not a public key (40 Z85 characters)", key);
        return -1;
    }
    memcpy(e->z85, key, sizeof e->z85);
    if (s_scopes_parse(e, scopes, reg, why, whylen) != 0)
        return -1;
    if (e->role == AUTH_ROLE_QUERY && strcmp(scopes, "*") != 0) {
        td_msg(why, whylen, "a query key reads everything: its scope must be *");
        return -1;
    }
    char *name = cursor + strspn(cursor, " \t");
    size_t len = strlen(name);
    while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
        name[--len] = '\0';
    if (len >= sizeof e->name) {
        td_msg(why, whylen, "name longer than %d bytes", AUTH_NAME_MAX - 1);
        return -1;
    }
    memcpy(e->name, name, len + 1);
    return 0;
}

td_err auth_parse(auth_t **out, const char *name, const char *text, size_t len,
                  const td_registry_t *registry, char *err, size_t errlen)
{
    *out = NULL;
    auth_t *auth = calloc(1, sizeof *auth);
    if (auth == NULL)
        return td_fail(TD_ERR_NOMEM, err, errlen, "out of memory");
    auth->registry = registry;
    size_t cap = 0;
    int lineno = 0;
    td_err rc = TD_OK;
    for (size_t pos = 0; pos < len && rc == TD_OK;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t) (nl - text) : len;
        size_t llen = end - pos;
        lineno++;
        char line[AUTH_LINE_MAX];
        if (llen >= sizeof line) {
            rc = td_fail(TD_ERR_INVALID, err, errlen, "%s:%d: line longer than %d bytes", name,
                         lineno, AUTH_LINE_MAX - 1);
            break;
        }
        memcpy(line, text + pos, llen);
        line[llen] = '\0';
        pos = end + 1;
        if (llen > 0 && line[llen - 1] == '\r')
            line[--llen] = '\0';
        for (size_t i = 0; i < llen; i++) {
            if (((unsigned char) line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f) {
                rc = td_fail(TD_ERR_INVALID, err, errlen, "%s:%d: control character in line", name,
                             lineno);
                break;
            }
        }
        const char *first = line + strspn(line, " \t");
        if (rc != TD_OK || *first == '\0' || *first == '#')
            continue;
        if (auth->n == AUTH_KEYS_MAX) {
            rc = td_fail(TD_ERR_TOOBIG, err, errlen, "%s:%d: more than %d keys", name, lineno,
                         AUTH_KEYS_MAX);
            break;
        }
        if (auth->n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            auth_entry *grown = realloc(auth->entries, ncap * sizeof *grown);
            if (grown == NULL) {
                rc = td_fail(TD_ERR_NOMEM, err, errlen, "out of memory");
                break;
            }
            auth->entries = grown;
            cap = ncap;
        }
        char why[256];
        auth_entry *e = &auth->entries[auth->n];
        if (s_line_parse(line, e, registry, why, sizeof why) != 0) {
            rc = td_fail(TD_ERR_INVALID, err, errlen, "%s:%d: %s", name, lineno, why);
            break;
        }
        e->line = lineno;
        auth->n++;
    }
    if (rc == TD_OK && auth->n > 1) {
        qsort(auth->entries, auth->n, sizeof *auth->entries, s_key_compare);
        for (size_t i = 1; i < auth->n; i++) {
            if (memcmp(auth->entries[i - 1].key, auth->entries[i].key, 32) == 0) {
                int a = auth->entries[i - 1].line, b = auth->entries[i].line;
                rc = td_fail(TD_ERR_INVALID, err, errlen,
                             "%s:%d: key %s is already on line %d (one line per key)", name,
                             a > b ? a : b, auth->entries[i].z85, a < b ? a : b);
                break;
            }
        }
    }
    if (rc != TD_OK) {
        auth_close(&auth);
        return rc;
    }
    *out = auth;
    return TD_OK;
}

/* Read a whole file of at most S_FILE_MAX bytes (TD_ERR_NOTFOUND when it does not exist). */
static td_err s_read_file(const char *path, char **text, size_t *len, int check_mode, char *err,
                          size_t errlen)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return td_fail(errno == ENOENT ? TD_ERR_NOTFOUND : TD_ERR_IO, err, errlen, "%s: %s", path,
                       strerror(errno));
    struct stat st;
    td_err rc = TD_OK;
    if (fstat(fd, &st) != 0) {
        rc = td_fail(TD_ERR_IO, err, errlen, "%s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = td_fail(TD_ERR_INVALID, err, errlen, "%s: not a regular file", path);
    } else if (check_mode && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        rc = td_fail(TD_ERR_PERMISSION, err, errlen,
                     "%s: others may write it (and enrol keys); run: chmod go-w %s", path, path);
    } else if ((size_t) st.st_size > S_FILE_MAX) {
        rc = td_fail(TD_ERR_TOOBIG, err, errlen, "%s: larger than %zu MiB", path, S_FILE_MAX >> 20);
    } else if ((*text = malloc((size_t) st.st_size + 1)) == NULL) {
        rc = td_fail(TD_ERR_NOMEM, err, errlen, "out of memory");
    } else {
        size_t got = 0;
        while (got < (size_t) st.st_size) {
            ssize_t n = read(fd, *text + got, (size_t) st.st_size - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                rc = td_fail(TD_ERR_IO, err, errlen, "%s: %s", path, strerror(errno));
            if (n <= 0)
                break;
            got += (size_t) n;
        }
        (*text)[got] = '\0';
        *len = got;
    }
    close(fd);
    if (rc != TD_OK) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

td_err auth_load(auth_t **out, const char *path, const td_registry_t *registry, char *err,
                 size_t errlen)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    td_err rc = s_read_file(path, &text, &len, 1, err, errlen);
    if (rc == TD_OK)
        rc = auth_parse(out, path, text, len, registry, err, errlen);
    free(text);
    return rc;
}

void auth_close(auth_t **auth)
{
    if (auth == NULL || *auth == NULL)
        return;
    free((*auth)->entries);
    free(*auth);
    *auth = NULL;
}

const auth_entry *auth_find(const auth_t *auth, const uint8_t key[32])
{
    if (auth == NULL || auth->n == 0)
        return NULL;
    auth_entry probe;
    memcpy(probe.key, key, 32);
    return bsearch(&probe, auth->entries, auth->n, sizeof *auth->entries, s_key_compare);
}

size_t auth_count(const auth_t *auth, auth_role role)
{
    size_t n = 0;
    for (size_t i = 0; auth != NULL && i < auth->n; i++)
        n += auth->entries[i].role == role;
    return n;
}

size_t auth_entries(const auth_t *auth, const auth_entry **entries)
{
    *entries = auth != NULL ? auth->entries : NULL;
    return auth != NULL ? auth->n : 0;
}

int auth_permits(const auth_t *auth, const auth_entry *entry, const char *unit)
{
    if (auth == NULL || entry == NULL || entry->role != AUTH_ROLE_AGENT || unit == NULL)
        return 0;
    for (int i = 0; i < entry->nscopes; i++) {
        const auth_scope *sc = &entry->scopes[i];
        if (sc->code[0] == '\0')
            return 1; /* "*" */
        if (strcmp(sc->code, unit) == 0)
            return 1;
        if (sc->subtree && td_registry_within(auth->registry, unit, sc->code))
            return 1;
    }
    return 0;
}

/* ---- editing the file ---- */

/* Whether line holds key as its second token (the key of an entry line). */
static int s_line_has_key(const char *line, size_t len, const char *key)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len || line[i] == '#')
        return 0;
    while (i < len && line[i] != ' ' && line[i] != '\t')
        i++; /* the role */
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    return len - i >= TD_Z85_KEY_LEN && memcmp(line + i, key, TD_Z85_KEY_LEN) == 0 &&
           (len - i == TD_Z85_KEY_LEN || line[i + TD_Z85_KEY_LEN] == ' ' ||
            line[i + TD_Z85_KEY_LEN] == '\t' || line[i + TD_Z85_KEY_LEN] == '\r');
}

/* Copy old into a new buffer leaving out the lines of key, then append add (may be NULL).
 * *removed counts the lines left out. */
static char *s_rewrite(const char *old, size_t oldlen, const char *key, const char *add,
                       int *removed, size_t *outlen)
{
    size_t addlen = add != NULL ? strlen(add) : 0;
    size_t headlen = oldlen == 0 ? strlen(S_FILE_HEAD) : 0;
    char *out = malloc(headlen + oldlen + addlen + 2);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    memcpy(out, S_FILE_HEAD, headlen);
    n += headlen;
    *removed = 0;
    for (size_t pos = 0; pos < oldlen;) {
        const char *nl = memchr(old + pos, '\n', oldlen - pos);
        size_t end = nl != NULL ? (size_t) (nl - old) : oldlen;
        if (s_line_has_key(old + pos, end - pos, key)) {
            (*removed)++;
        } else {
            memcpy(out + n, old + pos, end - pos);
            n += end - pos;
            out[n++] = '\n';
        }
        pos = end + 1;
    }
    if (addlen > 0)
        memcpy(out + n, add, addlen);
    n += addlen;
    out[n] = '\0';
    *outlen = n;
    return out;
}

/* Lock path.lock, read path (missing = empty), rewrite it without key's lines plus add,
 * check the result parses, replace the file. */
static td_err s_edit(const char *path, const char *key, const char *add,
                     const td_registry_t *registry, int *removed, char *err, size_t errlen)
{
    char lockpath[4200];
    if (snprintf(lockpath, sizeof lockpath, "%s.lock", path) >= (int) sizeof lockpath)
        return td_fail(TD_ERR_INVALID, err, errlen, "%s: path too long", path);
    int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0)
        return td_fail(TD_ERR_IO, err, errlen, "%s: %s", lockpath, strerror(errno));
    if (flock(lock, LOCK_EX) != 0) {
        close(lock);
        return td_fail(TD_ERR_IO, err, errlen, "%s: %s", lockpath, strerror(errno));
    }
    char *old = NULL, *text = NULL;
    size_t oldlen = 0, len = 0;
    auth_t *check = NULL;
    mode_t mode = 0644;
    struct stat st;
    int existed = stat(path, &st) == 0;
    if (existed)
        mode = st.st_mode & 0755; /* keep the operator's mode, never group/world-writable */
    td_err rc = s_read_file(path, &old, &oldlen, 0, err, errlen);
    if (rc == TD_ERR_NOTFOUND && add == NULL) {
        rc = TD_OK; /* revoke from a missing file: nothing to remove, nothing to write */
        goto done;
    }
    if (rc == TD_ERR_NOTFOUND)
        rc = TD_OK;
    if (rc != TD_OK)
        goto done;
    /* A file that is already broken is reported with its own line numbers, not edited. */
    if (oldlen > 0 && auth_parse(&check, path, old, oldlen, registry, err, errlen) != TD_OK) {
        char line_err[512];
        snprintf(line_err, sizeof line_err, "%s", err);
        rc = td_fail(TD_ERR_INVALID, err, errlen, "%s (the file is already invalid; fix that line)",
                     line_err);
        goto done;
    }
    auth_close(&check);
    text = s_rewrite(old != NULL ? old : "", oldlen, key, add, removed, &len);
    if (text == NULL) {
        rc = td_fail(TD_ERR_NOMEM, err, errlen, "out of memory");
        goto done;
    }
    rc = auth_parse(&check, path, text, len, registry, err, errlen);
    if (rc == TD_OK)
        rc = td_file_replace(path, text, len, mode, existed ? &st : NULL, err, errlen);
done:
    auth_close(&check);
    free(text);
    free(old);
    close(lock); /* releases the lock */
    return rc;
}

static td_err s_check_key(const char *key, char *err, size_t errlen)
{
    uint8_t raw[32];
    if (key == NULL || strlen(key) != TD_Z85_KEY_LEN || zmq_z85_decode(raw, key) == NULL)
        return td_fail(TD_ERR_INVALID, err, errlen,
                       "'%.48s' is not a public key (40 Z85 characters, as in a .pub file)",
                       key != NULL ? key : "");
    return TD_OK;
}

td_err auth_file_enrol(const char *path, const char *key, auth_role role, const char *scopes,
                       const char *name, const td_registry_t *registry, int *replaced, char *err,
                       size_t errlen)
{
    *replaced = 0;
    td_err rc = s_check_key(key, err, errlen);
    if (rc != TD_OK)
        return rc;
    char line[AUTH_LINE_MAX + 8];
    int n = snprintf(line, sizeof line, "%s %s %s%s%s\n", auth_role_name(role), key,
                     scopes != NULL ? scopes : "", name != NULL && name[0] ? " " : "",
                     name != NULL ? name : "");
    if (n < 0 || n >= AUTH_LINE_MAX)
        return td_fail(TD_ERR_TOOBIG, err, errlen, "the entry is longer than %d bytes",
                       AUTH_LINE_MAX - 1);
    for (const char *c = name != NULL ? name : ""; *c != '\0'; c++)
        if ((unsigned char) *c < 0x20 || *c == 0x7f)
            return td_fail(TD_ERR_INVALID, err, errlen,
                           "the name has a control character (a line break?): one line only");
    if (strpbrk(scopes != NULL ? scopes : "", " \t\r\n") != NULL)
        return td_fail(TD_ERR_INVALID, err, errlen,
                       "scope '%s' has spaces: separate scopes with commas", scopes);
    /* Check the line alone first for a message without a file position. */
    auth_entry e;
    char copy[sizeof line], why[256];
    snprintf(copy, sizeof copy, "%.*s", n - 1, line);
    if (s_line_parse(copy, &e, registry, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s", why); /* already in the reader's language */
        return TD_ERR_INVALID;
    }
    int removed = 0;
    rc = s_edit(path, key, line, registry, &removed, err, errlen);
    *replaced = rc == TD_OK && removed > 0;
    return rc;
}

td_err auth_file_revoke(const char *path, const char *key, const td_registry_t *registry, char *err,
                        size_t errlen)
{
    td_err rc = s_check_key(key, err, errlen);
    if (rc != TD_OK)
        return rc;
    int removed = 0;
    /* s_edit rewrites the file even when nothing is removed: harmless, and simpler
     * than a second pass; report NOTFOUND so the operator knows. */
    rc = s_edit(path, key, NULL, registry, &removed, err, errlen);
    if (rc == TD_OK && removed == 0)
        return td_fail(TD_ERR_NOTFOUND, err, errlen, "%s: key %s is not enrolled", path, key);
    return rc;
}
