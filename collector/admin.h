/* admin.h: the collector's admin commands: keys (keygen, enrol, revoke), store (check, backup,
 * restore, prune). */
#ifndef TIENDO_COLLECTOR_ADMIN_H
#define TIENDO_COLLECTOR_ADMIN_H

/* The handlers of main.c's command table (td_command.run): ctx is the collector_settings
 * (settings.h, read only), the operands follow the command word (borrowed from argv).
 * Each checks its operands, prints its results on stdout and its failures on stderr
 * ("tiendo-collector: ..."), and returns a COLLECTOR_EXIT_* code. One thread; none keeps
 * anything open when it returns. */

/* keygen PREFIX: PREFIX.key (secret, 0600) and PREFIX.pub. */
int admin_keygen(void *ctx, int noperands, char **operands);
/* enrol PUBLIC-KEY: add or replace the key's line in --authorized-keys (auth.h). */
int admin_enrol(void *ctx, int noperands, char **operands);
/* revoke PUBLIC-KEY: remove it. */
int admin_revoke(void *ctx, int noperands, char **operands);
/* check: verify the store in --state-dir, print the JSON; exit 1 when it did not pass. */
int admin_check(void *ctx, int noperands, char **operands);
/* backup DEST: hot compacted copy, then check of the copy (backup.h); exit 2 when DEST
 * already holds a store. */
int admin_backup(void *ctx, int noperands, char **operands);
/* restore BACKUP-DIR: into --state-dir (backup.h). */
int admin_restore(void *ctx, int noperands, char **operands);
/* prune: the retention options applied now (retention.h). */
int admin_prune(void *ctx, int noperands, char **operands);

#endif
