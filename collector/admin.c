/* admin.c: what the operator runs beside (or instead of) the serving collector. */
#include "admin.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "backup.h"
#include "clock.h"
#include "keys.h"
#include "registry.h"
#include "retention.h"
#include "settings.h"
#include "store.h"
#include "verify.h"

/* "tiendo-collector: message" on stderr. */
static void s_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void s_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", COLLECTOR_PROGRAM);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* One operand, or a usage error that says what it is. */
static int s_one_operand(const char *command, int noperands, const char *what)
{
    if (noperands == 1)
        return 1;
    fprintf(stderr, "%s: %s needs one %s (see %s %s --help)\n", COLLECTOR_PROGRAM, command, what,
            COLLECTOR_PROGRAM, command);
    return 0;
}

static int s_no_operand(const char *command, int noperands, char **operands)
{
    if (noperands == 0)
        return 1;
    fprintf(stderr, "%s: %s takes no operand, not '%s' (see %s %s --help)\n", COLLECTOR_PROGRAM,
            command, operands[0], COLLECTOR_PROGRAM, command);
    return 0;
}

/* ---- keys ---- */

int admin_keygen(void *ctx, int noperands, char **operands)
{
    (void) ctx;
    char err[512] = "";
    if (!s_one_operand("keygen", noperands, "PREFIX, e.g. /etc/tiendo/collector"))
        return COLLECTOR_EXIT_USAGE;
    if (td_keys_generate(operands[0], err, sizeof err) != TD_OK) {
        s_fail("%s", err);
        return COLLECTOR_EXIT_ERROR;
    }
    printf("wrote %s.key (secret, keep it here) and %s.pub (give it to agents and CLI users)\n",
           operands[0], operands[0]);
    return COLLECTOR_EXIT_OK;
}

/* The one operand of enrol and revoke: a .pub file or the 40 characters themselves, into
 * key; then the registry the scopes are checked against, into *registry. Returns
 * COLLECTOR_EXIT_OK, or the exit code of what went wrong (said on stderr). */
static int s_key_operand(const collector_settings *cfg, const char *command, int noperands,
                         char **operands, char key[TD_Z85_KEY_LEN + 1], td_registry_t **registry)
{
    char err[512] = "";
    if (!s_one_operand(command, noperands, "PUBLIC-KEY (a .pub file or its 40 characters)"))
        return COLLECTOR_EXIT_USAGE;
    const char *arg = operands[0];
    if (strlen(arg) == TD_Z85_KEY_LEN && access(arg, F_OK) != 0) {
        memcpy(key, arg, TD_Z85_KEY_LEN + 1);
    } else if (access(arg, F_OK) != 0) {
        s_fail("'%s' is neither a public key file (.pub) nor a public key (40 characters)", arg);
        return COLLECTOR_EXIT_USAGE;
    } else if (td_keys_load_public(arg, key, err, sizeof err) != TD_OK) {
        s_fail("%s", err);
        return COLLECTOR_EXIT_ERROR;
    }
    if (td_registry_open(registry, cfg->data_dir, err, sizeof err) != TD_OK) {
        s_fail("cannot load the registry (--data-dir): %s", err);
        return COLLECTOR_EXIT_ERROR;
    }
    return COLLECTOR_EXIT_OK;
}

static void s_reload_hint(void)
{
    printf("reload a running collector to apply it: systemctl reload tiendo-collector, or "
           "kill -HUP <pid>\n");
}

int admin_enrol(void *ctx, int noperands, char **operands)
{
    const collector_settings *cfg = ctx;
    char err[512] = "", key[TD_Z85_KEY_LEN + 1];
    td_registry_t *registry = NULL;
    int status = s_key_operand(cfg, "enrol", noperands, operands, key, &registry);
    if (status != COLLECTOR_EXIT_OK)
        return status;
    auth_role role = AUTH_ROLE_AGENT;
    int replaced = 0;
    const char *scope = cfg->scope;
    status = COLLECTOR_EXIT_USAGE;
    if (strcmp(cfg->role, "query") == 0) {
        role = AUTH_ROLE_QUERY;
    } else if (strcmp(cfg->role, "agent") != 0) {
        s_fail("--role must be agent or query");
        goto done;
    }
    if (scope == NULL && role == AUTH_ROLE_QUERY)
        scope = "*";
    if (scope == NULL || scope[0] == '\0') {
        s_fail("enrol needs --scope: the unit this agent reports for (01), a unit and all under "
               "it (01/*), or * for every unit");
        goto done;
    }
    status = COLLECTOR_EXIT_ERROR;
    if (auth_file_enrol(cfg->authorized_keys, key, role, scope, cfg->name, registry, &replaced, err,
                        sizeof err) != TD_OK) {
        s_fail("enrol: %s", err);
        goto done;
    }
    printf("%s %s key %s, scope %s, in %s\n", replaced ? "updated" : "enrolled",
           auth_role_name(role), key, scope, cfg->authorized_keys);
    s_reload_hint();
    status = COLLECTOR_EXIT_OK;
done:
    td_registry_close(&registry);
    return status;
}

int admin_revoke(void *ctx, int noperands, char **operands)
{
    const collector_settings *cfg = ctx;
    char err[512] = "", key[TD_Z85_KEY_LEN + 1];
    td_registry_t *registry = NULL;
    int status = s_key_operand(cfg, "revoke", noperands, operands, key, &registry);
    if (status != COLLECTOR_EXIT_OK)
        return status;
    if (auth_file_revoke(cfg->authorized_keys, key, registry, err, sizeof err) != TD_OK) {
        s_fail("revoke: %s", err);
        status = COLLECTOR_EXIT_ERROR;
    } else {
        printf("revoked key %s in %s\n", key, cfg->authorized_keys);
        s_reload_hint();
    }
    td_registry_close(&registry);
    return status;
}

/* ---- the store ---- */

static store_t *s_open_read_only(const char *dir)
{
    char err[512] = "";
    store_t *store = NULL;
    if (store_open_read_only(&store, dir, err, sizeof err) != TD_OK)
        s_fail("cannot open the store: %s", err);
    return store;
}

int admin_check(void *ctx, int noperands, char **operands)
{
    const collector_settings *cfg = ctx;
    if (!s_no_operand("check", noperands, operands))
        return COLLECTOR_EXIT_USAGE;
    store_t *store = s_open_read_only(cfg->state_dir);
    if (store == NULL)
        return COLLECTOR_EXIT_ERROR;
    verify_result result;
    td_err rc = verify_store(store, &result);
    store_close(&store);
    if (rc != TD_OK) {
        s_fail("check failed: %s", td_strerror(rc));
        return COLLECTOR_EXIT_ERROR;
    }
    verify_print_json(stdout, &result);
    int clean = verify_clean(&result);
    verify_free(&result);
    return clean ? COLLECTOR_EXIT_OK : COLLECTOR_EXIT_ERROR;
}

/* A failed backup_check or backup_restore: check's JSON first when it found faults. */
static void s_check_failed(const char *what, td_err rc, verify_result *result, const char *err)
{
    int printed = rc == TD_ERR_STORE && !verify_clean(result);
    if (printed)
        verify_print_json(stderr, result);
    fprintf(stderr, "%s: %s%s%s\n", COLLECTOR_PROGRAM, what, err,
            printed ? " (check's JSON above)" : "");
    verify_free(result);
}

static long long s_file_bytes(const char *dir)
{
    char path[TD_PATH_MAX + 16];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    return stat(path, &st) == 0 ? (long long) st.st_size : -1;
}

int admin_backup(void *ctx, int noperands, char **operands)
{
    const collector_settings *cfg = ctx;
    char err[512] = "";
    if (!s_one_operand("backup", noperands, "folder: where to write the copy (backup DEST)"))
        return COLLECTOR_EXIT_USAGE;
    const char *dest = operands[0];
    store_t *store = s_open_read_only(cfg->state_dir);
    if (store == NULL)
        return COLLECTOR_EXIT_ERROR;
    size_t map_bytes, used_bytes, written = 0;
    store_map_use(store, &map_bytes, &used_bytes);
    long long file_bytes = s_file_bytes(cfg->state_dir);
    int64_t start = td_mono_ms();
    td_err rc = backup_copy(store, dest, &written, err, sizeof err);
    int64_t copy_ms = td_mono_ms() - start;
    store_close(&store);
    if (rc != TD_OK) {
        s_fail("backup failed: %s", err);
        return rc == TD_ERR_EXISTS ? COLLECTOR_EXIT_USAGE : COLLECTOR_EXIT_ERROR;
    }
    verify_result result;
    start = td_mono_ms();
    rc = backup_check(dest, &result, err, sizeof err);
    int64_t check_ms = td_mono_ms() - start;
    printf("wrote %s/data.mdb: %zu bytes in %.3f s (compacted: %.0f%% of the %zu bytes in use; "
           "store file %lld bytes)\n",
           dest, written, (double) copy_ms / 1000.0,
           used_bytes ? 100.0 * (double) written / (double) used_bytes : 0.0, used_bytes,
           file_bytes);
    if (rc != TD_OK) {
        s_check_failed("the copy is NOT usable: ", rc, &result, err);
        return COLLECTOR_EXIT_ERROR;
    }
    printf("revisions: %" PRIu64 "\nreports (latest): %" PRIu64 "\nagent epochs: %zu\n"
           "recorded gaps: %" PRIu64 "\npruned bodies: %" PRIu64 "\n",
           result.revisions, result.latest, result.norigins, result.gaps, result.pruned);
    printf("check of the copy: OK (%.3f s)\n", (double) check_ms / 1000.0);
    verify_free(&result);
    return COLLECTOR_EXIT_OK;
}

int admin_restore(void *ctx, int noperands, char **operands)
{
    const collector_settings *cfg = ctx;
    char err[1024] = "";
    if (!s_one_operand("restore", noperands,
                       "folder: the backup to restore (restore BACKUP-DIR --state-dir DIR)"))
        return COLLECTOR_EXIT_USAGE;
    backup_restored out;
    td_err rc = backup_restore(operands[0], cfg->state_dir, cfg->force, &out, err, sizeof err);
    if (out.kept_as[0] != '\0')
        printf("kept the replaced store as %s\n", out.kept_as);
    if (rc != TD_OK) {
        s_check_failed("", rc, &out.check, err);
        return COLLECTOR_EXIT_ERROR;
    }
    printf("restored %s into %s: %" PRIu64 " revisions, %" PRIu64 " reports, %" PRIu64
           " recorded gaps; start the collector with --state-dir %s\n",
           operands[0], cfg->state_dir, out.check.revisions, out.check.latest, out.check.gaps,
           cfg->state_dir);
    verify_free(&out.check);
    return COLLECTOR_EXIT_OK;
}

int admin_prune(void *ctx, int noperands, char **operands)
{
    const collector_settings *cfg = ctx;
    char err[512] = "", line[512];
    if (!s_no_operand("prune", noperands, operands))
        return COLLECTOR_EXIT_USAGE;
    int64_t now = cfg->now_ms > 0 ? (int64_t) cfg->now_ms : td_now_ms();
    retention_config rc_config = {retention_cutoff(cfg->retention_superseded_days, now),
                                  retention_cutoff(cfg->retention_rejections_days, now),
                                  cfg->dry_run, 0};
    if (rc_config.superseded_cutoff_ms == INT64_MIN &&
        rc_config.rejections_cutoff_ms == INT64_MIN) {
        printf("retention is off (retention-superseded-days and retention-rejections-days are "
               "0): nothing to prune\n");
        return COLLECTOR_EXIT_OK;
    }
    store_t *store = NULL;
    retention_t *pass = NULL;
    td_err rc = cfg->dry_run
                    ? store_open_read_only(&store, cfg->state_dir, err, sizeof err)
                    : store_open_existing(&store, cfg->state_dir, (size_t) cfg->map_size_mb << 20,
                                          (size_t) cfg->map_max_mb << 20, err, sizeof err);
    if (rc != TD_OK) {
        s_fail("cannot open the store: %s", err);
        return COLLECTOR_EXIT_ERROR;
    }
    rc = retention_open(&pass, &rc_config);
    if (rc == TD_OK)
        rc = retention_run(store, pass);
    if (pass != NULL) {
        retention_describe(retention_get_stats(pass), cfg->dry_run, line, sizeof line);
        printf("%s\n", line);
    }
    retention_close(&pass);
    store_close(&store);
    if (rc != TD_OK) {
        s_fail("prune stopped: %s", td_strerror(rc));
        return COLLECTOR_EXIT_ERROR;
    }
    return COLLECTOR_EXIT_OK;
}
