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
#include "i18n.h"
#include "keys.h"
#include "registry.h"
#include "retention.h"
#include "settings.h"
#include "store.h"
#include "verify.h"

/* "tiendo-collector: message" on stderr; fmt is already translated (_() at the call). */
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

/* One operand, or a usage error that says what it is (what: translated). */
static int s_one_operand(const char *command, int noperands, const char *what)
{
    if (noperands == 1)
        return 1;
    /* TRANSLATORS: %1$s a command (keygen, enrol ...), %2$s what it needs (a phrase of its
     * own), %3$s the program, %4$s the command again */
    s_fail(_("%1$s needs one %2$s (see %3$s %4$s --help)"), command, what, COLLECTOR_PROGRAM,
           command);
    return 0;
}

static int s_no_operand(const char *command, int noperands, char **operands)
{
    if (noperands == 0)
        return 1;
    /* TRANSLATORS: %1$s a command (check, prune), %2$s what was given after it, %3$s the
     * program, %4$s the command again */
    s_fail(_("%1$s takes no operand, not '%2$s' (see %3$s %4$s --help)"), command, operands[0],
           COLLECTOR_PROGRAM, command);
    return 0;
}

/* ---- keys ---- */

int admin_keygen(void *ctx, int noperands, char **operands)
{
    (void) ctx;
    char err[512] = "";
    if (!s_one_operand("keygen", noperands, _("PREFIX, e.g. /etc/tiendo/collector")))
        return COLLECTOR_EXIT_USAGE;
    if (td_keys_generate(operands[0], err, sizeof err) != TD_OK) {
        s_fail("%s", err);
        return COLLECTOR_EXIT_ERROR;
    }
    /* TRANSLATORS: %s (twice) is the PREFIX given, e.g. /etc/tiendo/collector */
    printf(_("wrote %s.key (secret, keep it here) and %s.pub (give it to agents and CLI users)\n"),
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
    if (!s_one_operand(command, noperands, _("PUBLIC-KEY (a .pub file or its 40 characters)")))
        return COLLECTOR_EXIT_USAGE;
    const char *arg = operands[0];
    if (strlen(arg) == TD_Z85_KEY_LEN && access(arg, F_OK) != 0) {
        memcpy(key, arg, TD_Z85_KEY_LEN + 1);
    } else if (access(arg, F_OK) != 0) {
        s_fail(_("'%s' is neither a public key file (.pub) nor a public key (40 characters)"), arg);
        return COLLECTOR_EXIT_USAGE;
    } else if (td_keys_load_public(arg, key, err, sizeof err) != TD_OK) {
        s_fail("%s", err);
        return COLLECTOR_EXIT_ERROR;
    }
    if (td_registry_open(registry, cfg->data_dir, err, sizeof err) != TD_OK) {
        s_fail(_("cannot load the registry (--data-dir): %s"), err);
        return COLLECTOR_EXIT_ERROR;
    }
    return COLLECTOR_EXIT_OK;
}

static void s_reload_hint(void)
{
    printf("%s\n", _("reload a running collector to apply it: systemctl reload tiendo-collector, "
                     "or kill -HUP <pid>"));
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
        s_fail("%s", _("--role must be agent or query"));
        goto done;
    }
    if (scope == NULL && role == AUTH_ROLE_QUERY)
        scope = "*";
    if (scope == NULL || scope[0] == '\0') {
        s_fail("%s", _("enrol needs --scope: the unit this agent reports for (01), a unit and all "
                       "under it (01/*), or * for every unit"));
        goto done;
    }
    status = COLLECTOR_EXIT_ERROR;
    if (auth_file_enrol(cfg->authorized_keys, key, role, scope, cfg->name, registry, &replaced, err,
                        sizeof err) != TD_OK) {
        s_fail("enrol: %s", err);
        goto done;
    }
    /* TRANSLATORS: %1$s the role as the file writes it (agent or query), %2$s the key, %3$s
     * the scope as given, %4$s the authorised keys file */
    printf(replaced ? _("updated %1$s key %2$s, scope %3$s, in %4$s\n")
                    : _("enrolled %1$s key %2$s, scope %3$s, in %4$s\n"),
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
        /* TRANSLATORS: %1$s the key, %2$s the authorised keys file */
        printf(_("revoked key %1$s in %2$s\n"), key, cfg->authorized_keys);
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
        s_fail(_("cannot open the store: %s"), err);
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
        s_fail(_("check failed: %s"), _(td_strerror(rc)));
        return COLLECTOR_EXIT_ERROR;
    }
    verify_print_json(stdout, &result);
    int clean = verify_clean(&result);
    verify_free(&result);
    return clean ? COLLECTOR_EXIT_OK : COLLECTOR_EXIT_ERROR;
}

/* A failed backup_check (of_copy) or backup_restore: check's JSON first when it found
 * faults. */
static void s_check_failed(int of_copy, td_err rc, verify_result *result, const char *err)
{
    int printed = rc == TD_ERR_STORE && !verify_clean(result);
    if (printed)
        verify_print_json(stderr, result);
    const char *note = printed ? _(" (check's JSON above)") : "";
    if (of_copy)
        /* TRANSLATORS: %1$s why (a sentence), %2$s " (check's JSON above)" or nothing */
        s_fail(_("the copy is NOT usable: %1$s%2$s"), err, note);
    else
        s_fail("%s%s", err, note);
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
    if (!s_one_operand("backup", noperands, _("folder: where to write the copy (backup DEST)")))
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
        s_fail(_("backup failed: %s"), err);
        return rc == TD_ERR_EXISTS ? COLLECTOR_EXIT_USAGE : COLLECTOR_EXIT_ERROR;
    }
    verify_result result;
    start = td_mono_ms();
    rc = backup_check(dest, &result, err, sizeof err);
    int64_t check_ms = td_mono_ms() - start;
    char n_written[32], n_used[32], n_file[32], seconds[32], share[32];
    td_fmt_count(written, n_written, sizeof n_written);
    td_fmt_count(used_bytes, n_used, sizeof n_used);
    if (file_bytes >= 0)
        td_fmt_count((uint64_t) file_bytes, n_file, sizeof n_file);
    else
        snprintf(n_file, sizeof n_file, "?");
    td_fmt_number((double) copy_ms / 1000.0, 3, seconds, sizeof seconds);
    td_fmt_percent(used_bytes ? 100.0 * (double) written / (double) used_bytes : 0.0, share,
                   sizeof share);
    /* TRANSLATORS: %1$s the backup folder, %2$s bytes written, %3$s seconds, %4$s a
     * percentage ("57,5 %"), %5$s bytes in use in the store, %6$s the store file's bytes */
    printf(_("wrote %1$s/data.mdb: %2$s bytes in %3$s s (compacted: %4$s of the %5$s bytes in "
             "use; store file %6$s bytes)\n"),
           dest, n_written, seconds, share, n_used, n_file);
    if (rc != TD_OK) {
        s_check_failed(1, rc, &result, err);
        return COLLECTOR_EXIT_ERROR;
    }
    char n_revisions[32], n_latest[32], n_origins[32], n_gaps[32], n_pruned[32];
    td_fmt_count(result.revisions, n_revisions, sizeof n_revisions);
    td_fmt_count(result.latest, n_latest, sizeof n_latest);
    td_fmt_count(result.norigins, n_origins, sizeof n_origins);
    td_fmt_count(result.gaps, n_gaps, sizeof n_gaps);
    td_fmt_count(result.pruned, n_pruned, sizeof n_pruned);
    printf(_("revisions: %s\nreports (latest): %s\nagent epochs: %s\nrecorded gaps: %s\n"
             "pruned bodies: %s\n"),
           n_revisions, n_latest, n_origins, n_gaps, n_pruned);
    td_fmt_number((double) check_ms / 1000.0, 3, seconds, sizeof seconds);
    printf(_("check of the copy: OK (%s s)\n"), seconds);
    verify_free(&result);
    return COLLECTOR_EXIT_OK;
}

int admin_restore(void *ctx, int noperands, char **operands)
{
    const collector_settings *cfg = ctx;
    char err[1024] = "";
    if (!s_one_operand("restore", noperands,
                       _("folder: the backup to restore (restore BACKUP-DIR --state-dir DIR)")))
        return COLLECTOR_EXIT_USAGE;
    backup_restored out;
    td_err rc = backup_restore(operands[0], cfg->state_dir, cfg->force, &out, err, sizeof err);
    if (out.kept_as[0] != '\0')
        printf(_("kept the replaced store as %s\n"), out.kept_as);
    if (rc != TD_OK) {
        s_check_failed(0, rc, &out.check, err);
        return COLLECTOR_EXIT_ERROR;
    }
    char n_revisions[32], n_latest[32], n_gaps[32];
    td_fmt_count(out.check.revisions, n_revisions, sizeof n_revisions);
    td_fmt_count(out.check.latest, n_latest, sizeof n_latest);
    td_fmt_count(out.check.gaps, n_gaps, sizeof n_gaps);
    /* TRANSLATORS: %1$s the backup folder, %2$s the state folder, %3$s revisions, %4$s
     * reports, %5$s gaps, %6$s the state folder again */
    printf(_("restored %1$s into %2$s: %3$s revisions, %4$s reports, %5$s recorded gaps; start "
             "the collector with --state-dir %6$s\n"),
           operands[0], cfg->state_dir, n_revisions, n_latest, n_gaps, cfg->state_dir);
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
        printf("%s\n", _("retention is off (retention-superseded-days and "
                         "retention-rejections-days are 0): nothing to prune"));
        return COLLECTOR_EXIT_OK;
    }
    store_t *store = NULL;
    retention_t *pass = NULL;
    td_err rc = cfg->dry_run
                    ? store_open_read_only(&store, cfg->state_dir, err, sizeof err)
                    : store_open_existing(&store, cfg->state_dir, (size_t) cfg->map_size_mb << 20,
                                          (size_t) cfg->map_max_mb << 20, err, sizeof err);
    if (rc != TD_OK) {
        s_fail(_("cannot open the store: %s"), err);
        return COLLECTOR_EXIT_ERROR;
    }
    rc = retention_open(&pass, &rc_config);
    if (rc == TD_OK)
        rc = retention_run(store, pass);
    if (pass != NULL) {
        retention_describe(retention_get_stats(pass), cfg->dry_run, 1, line, sizeof line);
        printf("%s\n", line);
    }
    retention_close(&pass);
    store_close(&store);
    if (rc != TD_OK) {
        s_fail(_("prune stopped: %s"), _(td_strerror(rc)));
        return COLLECTOR_EXIT_ERROR;
    }
    return COLLECTOR_EXIT_OK;
}
