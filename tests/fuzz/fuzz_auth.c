/* fuzz_auth.c: libFuzzer harness for the authorised-keys parser, key lookup and scope checks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "auth.h"
#include "registry.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_NAME "fuzz.keys"

static td_registry_t *s_reg;

/* Units every entry is asked about: a plain province, the nation, merged provinces and
 * their successors (06 -> 19, 46 before/after 2025), and codes the registry lacks. */
static const char *const s_probe_units[] = {"01", "VN", "06", "19", "46", "79", "99", "", "01/*"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    char err[256];
    if (td_registry_open(&s_reg, TIENDO_SOURCE_DIR "/data", err, sizeof err) != TD_OK) {
        abort(); /* the harness cannot run without the registry */
    }
    return 0;
}

/* The next token of line[*pos..len) separated by spaces or tabs; its length, 0 at the end. */
static size_t s_token(const char *line, size_t len, size_t *pos, const char **start)
{
    size_t i = *pos;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) {
        i++;
    }
    *start = line + i;
    size_t j = i;
    while (j < len && line[j] != ' ' && line[j] != '\t') {
        j++;
    }
    *pos = j;
    return j - i;
}

/* What every accepted entry must satisfy, independent of the parser's code. */
static void s_check_entry(const auth_t *auth, const auth_entry *e, const char *role, size_t rlen,
                          const char *scopes, size_t slen, const char *name, size_t nlen,
                          int lineno)
{
    if (e->line != lineno || strlen(e->z85) != TD_Z85_KEY_LEN) {
        abort();
    }
    /* The scope as written and the name with its outer blanks trimmed, for messages. */
    if (strlen(e->scope_text) != slen || memcmp(e->scope_text, scopes, slen) != 0 ||
        strlen(e->name) != nlen || memcmp(e->name, name, nlen) != 0) {
        abort();
    }
    auth_role want = rlen == 5 && memcmp(role, "query", 5) == 0 ? AUTH_ROLE_QUERY : AUTH_ROLE_AGENT;
    if (e->role != want || e->nscopes < 1 || e->nscopes > AUTH_SCOPES_MAX ||
        strlen(e->name) >= AUTH_NAME_MAX) {
        abort();
    }
    int star = 0, whole_nation = 0;
    for (int i = 0; i < e->nscopes; i++) {
        const auth_scope *sc = &e->scopes[i];
        if (strlen(sc->code) >= TD_CODE_MAX) {
            abort();
        }
        star |= sc->code[0] == '\0';
        whole_nation |= sc->subtree && strcmp(sc->code, "VN") == 0;
        if (sc->code[0] != '\0' && td_registry_find(s_reg, sc->code, NULL) == NULL) {
            abort(); /* every scope names a unit of the registry */
        }
        /* An agent may always report for the units it names. */
        if (sc->code[0] != '\0' &&
            auth_permits(auth, e, sc->code) != (e->role == AUTH_ROLE_AGENT)) {
            abort();
        }
    }
    if (e->role == AUTH_ROLE_QUERY && !(e->nscopes == 1 && star)) {
        abort(); /* query keys read everything and take only * */
    }
    for (size_t u = 0; u < sizeof s_probe_units / sizeof s_probe_units[0]; u++) {
        const char *unit = s_probe_units[u];
        int permitted = auth_permits(auth, e, unit);
        if (permitted != 0 && permitted != 1) {
            abort();
        }
        if (e->role == AUTH_ROLE_QUERY && permitted) {
            abort(); /* query keys never submit */
        }
        if (e->role == AUTH_ROLE_AGENT && star && !permitted) {
            abort(); /* "*" holds every unit, known or not */
        }
        int known = td_registry_find(s_reg, unit, NULL) != NULL;
        if (e->role == AUTH_ROLE_AGENT && whole_nation && known && !permitted) {
            abort(); /* every unit's parent chain reaches VN */
        }
        if (!known && !star && permitted) {
            abort(); /* a code outside the registry is held only by "*" */
        }
    }
}

/* Walk the accepted text again: every entry line's key must be found, on that line. */
static void s_check_accepted(const auth_t *auth, const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    size_t entries = 0;
    int lineno = 0;
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(text + pos, '\n', size - pos);
        size_t end = nl != NULL ? (size_t) (nl - text) : size;
        const char *line = text + pos;
        size_t len = end - pos;
        pos = end + 1;
        lineno++;
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        size_t at = 0;
        const char *role, *key, *scopes;
        size_t rlen = s_token(line, len, &at, &role);
        if (rlen == 0 || role[0] == '#') {
            continue;
        }
        size_t klen = s_token(line, len, &at, &key);
        size_t slen = s_token(line, len, &at, &scopes);
        if (klen != TD_Z85_KEY_LEN || slen == 0) {
            abort(); /* an accepted entry line has a role, a 40-character key and a scope */
        }
        while (at < len && (line[at] == ' ' || line[at] == '\t')) {
            at++;
        }
        size_t nend = len;
        while (nend > at && (line[nend - 1] == ' ' || line[nend - 1] == '\t')) {
            nend--;
        }
        char z85[TD_Z85_KEY_LEN + 1];
        memcpy(z85, key, TD_Z85_KEY_LEN);
        z85[TD_Z85_KEY_LEN] = '\0';
        uint8_t raw[32];
        if (zmq_z85_decode(raw, z85) == NULL) {
            abort();
        }
        const auth_entry *e = auth_find(auth, raw);
        if (e == NULL || memcmp(e->key, raw, 32) != 0 || strcmp(e->z85, z85) != 0) {
            abort();
        }
        s_check_entry(auth, e, role, rlen, scopes, slen, line + at, nend - at, lineno);
        /* A neighbouring key is either another line's entry or not enrolled. */
        raw[31] ^= 1;
        const auth_entry *other = auth_find(auth, raw);
        if (other != NULL && (other == e || memcmp(other->key, raw, 32) != 0)) {
            abort();
        }
        entries++;
    }
    if (auth_count(auth, AUTH_ROLE_AGENT) + auth_count(auth, AUTH_ROLE_QUERY) != entries) {
        abort();
    }
    if (auth_permits(auth, NULL, "01") != 0 || auth_permits(NULL, NULL, "01") != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    auth_t *auth = (auth_t *) 1; /* auth_parse must reset it on failure */
    char err[512];
    err[0] = '\0';
    td_err rc = auth_parse(&auth, S_NAME, (const char *) data, size, s_reg, err, sizeof err);
    if (rc != TD_OK) {
        /* Refused: no object, and a message "name:line: reason" (or out of memory). */
        if (auth != NULL || memchr(err, '\0', sizeof err) == NULL ||
            (rc != TD_ERR_NOMEM && strncmp(err, S_NAME ":", sizeof S_NAME) != 0)) {
            abort();
        }
        return 0;
    }
    if (auth == NULL) {
        abort();
    }
    s_check_accepted(auth, data, size);
    auth_close(&auth);
    if (auth != NULL) {
        abort();
    }
    return 0;
}
