/* cmd_run.c: `tiendo-agent keygen` and `tiendo-agent run` (the sender as a service). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cmd.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "sender.h"
#include "sender_metrics.h"
#include "signals.h"

static volatile sig_atomic_t s_stop = 0;

/* ---- keygen ---- */

int cmd_keygen(void *config, int noperands, char **operands)
{
    (void) config;
    if (noperands != 1) {
        agent_fail(NULL, "keygen needs one PREFIX, e.g. `tiendo-agent keygen /etc/tiendo/agent`");
        return AGENT_EXIT_USAGE;
    }
    const char *prefix = operands[0];
    char err[512];
    if (td_keys_generate(prefix, err, sizeof err) != TD_OK) {
        agent_fail_text(NULL, err);
        return AGENT_EXIT_ERROR;
    }
    char pub_path[1100], public_key[TD_Z85_KEY_LEN + 1];
    snprintf(pub_path, sizeof pub_path, "%s.pub", prefix);
    if (td_keys_load_public(pub_path, public_key, err, sizeof err) != TD_OK) {
        agent_fail_text(NULL, err);
        return AGENT_EXIT_ERROR;
    }
    printf(_("secret key: %s.key (keep it on this machine; use it with --secret-key)\n"), prefix);
    printf(_("public key file: %s\n"), pub_path);
    printf(_("public key: %s\n"), public_key);
    fputs(_("Send the public key to the collector's operator to enrol this office.\n"), stdout);
    return AGENT_EXIT_OK;
}

/* ---- run ---- */

static int s_take_run_lock(const char *dir, int *fd_out)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/run.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        agent_fail(path, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        agent_fail(dir, "another `tiendo-agent run` is already sending this outbox");
        close(fd);
        return -1;
    }
    *fd_out = fd;
    return 0;
}

int cmd_run(void *config, int noperands, char **operands)
{
    const agent_config *cfg = config;
    if (noperands != 0) {
        agent_fail(NULL, "run takes no argument '%s'", operands[0]);
        return AGENT_EXIT_USAGE;
    }
    char collector_public[TD_Z85_KEY_LEN + 1], public_key[TD_Z85_KEY_LEN + 1];
    char secret[TD_Z85_KEY_LEN + 1], err[512];
    if (td_keys_load_public(cfg->collector_public_key, collector_public, err, sizeof err) !=
        TD_OK) {
        agent_fail(NULL, "--collector-public-key: %s", err);
        return AGENT_EXIT_ERROR;
    }
    if (td_keys_load_secret(cfg->secret_key, secret, public_key, err, sizeof err) != TD_OK) {
        agent_fail(NULL, "--secret-key: %s", err);
        return AGENT_EXIT_ERROR;
    }
    outbox_t *ob = NULL;
    td_metrics_t *metrics = NULL;
    int lock_fd = -1, rc = AGENT_EXIT_ERROR;
    if (agent_open_outbox(cfg, &ob) != TD_OK)
        goto cleanup;
    if (s_take_run_lock(cfg->state_dir, &lock_fd) != 0)
        goto cleanup;
    if (cfg->metrics_bind != NULL && cfg->metrics_bind[0] != '\0') {
        if (td_metrics_open(&metrics, cfg->metrics_bind, sender_metrics_render, NULL, err,
                            sizeof err) != TD_OK) {
            agent_fail(NULL, "--metrics-bind: %s", err);
            goto cleanup;
        }
        td_info("serving metrics on %s", td_metrics_url(metrics));
    }

    td_signals_install(&s_stop, NULL);
    /* from here on `run` writes a log for operators: English (docs/agent.md), also the
     * module messages it quotes; what people read (dead letters) is kept in parts */
    td_i18n_init(TD_LANG_EN);

    td_info("agent %s, public key %s", TIENDO_VERSION, public_key);
    sender_options opts = {
        .endpoint = cfg->collector,
        .collector_public = collector_public,
        .public_key = public_key,
        .secret_key = secret,
        .window = (size_t) cfg->window,
        .resend_timeout_ms = cfg->resend_timeout_ms,
        .backoff_max_ms = cfg->backoff_max_ms,
        .heartbeat_ms = cfg->heartbeat_ms,
        .zmq_heartbeat_ms = (int) cfg->zmq_heartbeat_ms,
        .reconnect_max_ms = (int) cfg->reconnect_max_ms,
        .exit_when_empty = cfg->exit_when_empty,
        .metrics = metrics,
    };
    td_err e = sender_run(ob, &opts, &s_stop);
    if (e != TD_OK) {
        td_error("sender stopped: %s", td_strerror(e));
        goto cleanup;
    }
    rc = AGENT_EXIT_OK;
cleanup:
    memset(secret, 0, sizeof secret);
    td_metrics_close(&metrics);
    outbox_close(&ob);
    if (lock_fd >= 0)
        close(lock_fd);
    return rc;
}
