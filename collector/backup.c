/* backup.c: copies of the store: hot backup, restore into a stopped collector's folder. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "i18n.h"

static td_err s_store_file(char *path, size_t size, const char *dir, const char *name, char *err,
                           size_t errlen)
{
    if (snprintf(path, size, "%s/%s", dir, name) >= (int) size)
        return td_fail(TD_ERR_TOOBIG, err, errlen, "%.200s...: path too long", dir);
    return TD_OK;
}

td_err backup_copy(store_t *store, const char *dest_dir, size_t *bytes_out, char *err,
                   size_t errlen)
{
    char path[TD_PATH_MAX];
    struct stat st;
    *bytes_out = 0;
    if (mkdir(dest_dir, 0700) != 0 && errno != EEXIST)
        return td_fail(td_err_from_errno(errno), err, errlen, "%s: cannot create: %s", dest_dir,
                       strerror(errno));
    td_err rc = s_store_file(path, sizeof path, dest_dir, "data.mdb", err, errlen);
    if (rc != TD_OK)
        return rc;
    if (stat(path, &st) == 0)
        return td_fail(TD_ERR_EXISTS, err, errlen,
                       "%s already holds a store (data.mdb); choose an empty folder", dest_dir);
    td_atomic_file f;
    rc = td_atomic_open(&f, path, 0600, NULL, err, errlen);
    if (rc != TD_OK)
        return rc;
    char why[256];
    rc = store_copy_to_fd(store, f.fd, why, sizeof why);
    if (rc != TD_OK) {
        td_msg(err, errlen, "copy to %s failed: %s", f.tmp, why);
        td_atomic_abort(&f);
        return rc;
    }
    if (fstat(f.fd, &st) != 0) {
        int e = errno;
        td_atomic_abort(&f);
        return td_fail(td_err_from_errno(e), err, errlen, "%s: %s", path, strerror(e));
    }
    rc = td_atomic_commit(&f, err, errlen);
    if (rc == TD_OK)
        *bytes_out = (size_t) st.st_size;
    return rc;
}

td_err backup_check(const char *dir, verify_result *result, char *err, size_t errlen)
{
    store_t *store = NULL;
    memset(result, 0, sizeof *result);
    td_err rc = store_open_read_only(&store, dir, err, errlen);
    if (rc != TD_OK)
        return rc;
    rc = verify_store(store, result);
    store_close(&store);
    if (rc != TD_OK)
        return td_fail(rc, err, errlen, "%s: check failed: %s", dir, _(td_strerror(rc)));
    if (!verify_clean(result))
        return td_fail(TD_ERR_STORE, err, errlen, "%s: the store does not pass check", dir);
    return TD_OK;
}

/* Copy src_dir/data.mdb to dst_dir/data.mdb through a temporary name, fsync'd. */
static td_err s_copy_store_file(const char *src_dir, const char *dst_dir, char *err, size_t errlen)
{
    char src[TD_PATH_MAX], dst[TD_PATH_MAX], buf[1 << 16];
    td_err rc = s_store_file(src, sizeof src, src_dir, "data.mdb", err, errlen);
    if (rc == TD_OK)
        rc = s_store_file(dst, sizeof dst, dst_dir, "data.mdb", err, errlen);
    if (rc != TD_OK)
        return rc;
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return td_fail(td_err_from_errno(errno), err, errlen, "%.400s: %s", src, strerror(errno));
    td_atomic_file f;
    rc = td_atomic_open(&f, dst, 0600, NULL, err, errlen);
    while (rc == TD_OK) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            rc = td_fail(TD_ERR_IO, err, errlen, "%.400s: %s", src, strerror(errno));
            break;
        }
        rc = td_atomic_write(&f, buf, (size_t) n, err, errlen);
    }
    close(in);
    if (rc != TD_OK) {
        td_atomic_abort(&f);
        return rc;
    }
    return td_atomic_commit(&f, err, errlen);
}

/* state_dir may receive a store: it exists (made 0700 when missing), no process has a
 * store open in it, and it is empty unless force. *has_store: it holds a data.mdb. */
static td_err s_ready_for_restore(const char *dir, int force, int *has_store, char *err,
                                  size_t errlen)
{
    int in_use = backup_store_in_use(dir);
    if (in_use > 0)
        return td_fail(TD_ERR_EXISTS, err, errlen,
                       "%s: the store there is open in another process (a running "
                       "collector?); stop it first",
                       dir);
    if (in_use < 0)
        return td_fail(td_err_from_errno(errno), err, errlen,
                       "%s: cannot check whether it is in use", dir);
    int entries = 0;
    *has_store = 0;
    DIR *d = opendir(dir);
    if (d != NULL) {
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            entries++;
            *has_store |= strcmp(e->d_name, "data.mdb") == 0;
        }
        closedir(d);
    } else if (errno != ENOENT) {
        return td_fail(td_err_from_errno(errno), err, errlen, "%s: %s", dir, strerror(errno));
    } else if (mkdir(dir, 0700) != 0) {
        return td_fail(td_err_from_errno(errno), err, errlen, "%s: cannot create: %s", dir,
                       strerror(errno));
    }
    if (entries > 0 && !force)
        return *has_store ? td_fail(TD_ERR_EXISTS, err, errlen,
                                    "%s is not empty (it holds a store); move it aside, or pass "
                                    "--force to replace the store (the old data.mdb is kept "
                                    "beside it)",
                                    dir)
                          : td_fail(TD_ERR_EXISTS, err, errlen,
                                    "%s is not empty; move it aside, or pass --force to replace "
                                    "the store (the old data.mdb is kept beside it)",
                                    dir);
    return TD_OK;
}

td_err backup_restore(const char *backup_dir, const char *state_dir, int force,
                      backup_restored *out, char *err, size_t errlen)
{
    char why[512] = "", path[TD_PATH_MAX];
    memset(out, 0, sizeof *out);
    td_err rc = backup_check(backup_dir, &out->check, why, sizeof why);
    if (rc != TD_OK)
        return td_fail(rc, err, errlen, "the backup cannot be restored: %s", why);
    verify_free(&out->check);
    int has_store = 0;
    rc = s_ready_for_restore(state_dir, force, &has_store, err, errlen);
    if (rc == TD_OK)
        rc = s_store_file(path, sizeof path, state_dir, "data.mdb", err, errlen);
    if (rc != TD_OK)
        return rc;
    if (has_store) {
        snprintf(out->kept_as, sizeof out->kept_as, "%.4000s.before-restore-%" PRId64, path,
                 td_now_ms());
        if (rename(path, out->kept_as) != 0) {
            int e = errno;
            out->kept_as[0] = '\0';
            return td_fail(td_err_from_errno(e), err, errlen, "cannot move %s aside: %s", path,
                           strerror(e));
        }
    }
    if (s_store_file(path, sizeof path, state_dir, "lock.mdb", err, errlen) == TD_OK)
        unlink(path); /* the old lock file describes the old store's readers */
    rc = s_copy_store_file(backup_dir, state_dir, why, sizeof why);
    if (rc != TD_OK)
        return td_fail(rc, err, errlen, "restore failed: %s", why);
    rc = backup_check(state_dir, &out->check, why, sizeof why);
    if (rc != TD_OK)
        return td_fail(rc, err, errlen, "the restored store does not pass check: %s", why);
    return TD_OK;
}

int backup_store_in_use(const char *dir)
{
    char path[TD_PATH_MAX];
    if (snprintf(path, sizeof path, "%s/lock.mdb", dir) >= (int) sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    /* Every process with the environment open holds a shared lock on byte 0 of the lock
     * file (LMDB's mdb_env_excl_lock); an exclusive lock is granted only when none does. */
    struct flock lk;
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    lk.l_start = 0;
    lk.l_len = 1;
    int in_use = 0;
    if (fcntl(fd, F_SETLK, &lk) != 0) {
        in_use = errno == EAGAIN || errno == EACCES ? 1 : -1;
    } else {
        lk.l_type = F_UNLCK;
        fcntl(fd, F_SETLK, &lk);
    }
    close(fd);
    return in_use;
}
