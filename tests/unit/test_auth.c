/* test_auth.c: the collector's authorised-keys file: parsing, refusals, scopes, load, enrol,
 * revoke. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "auth.h"
#include "unit_main.h"

#define DATA_DIR TIENDO_SOURCE_DIR "/data"

/* ---- fixture: the real registry and a temporary folder per test ---- */

static td_registry_t *s_reg;
static char s_root[64];  /* made by main(), removed by main() even when tests fail */
static char s_dir[128];  /* this test's folder inside s_root */
static char s_path[192]; /* s_dir/authorised-keys */
static char s_err[512];

/* Remove a folder of plain files and folders. */
static void s_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                s_remove_tree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void s_setup(void)
{
    s_err[0] = '\0';
    ck_assert_msg(td_registry_open(&s_reg, DATA_DIR, s_err, sizeof s_err) == TD_OK, "open %s: %s",
                  DATA_DIR, s_err);
    snprintf(s_dir, sizeof s_dir, "%s/test-XXXXXX", s_root);
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    snprintf(s_path, sizeof s_path, "%s/authorised-keys", s_dir);
}

/* Check skips this when a test fails (its process just exits); main() then removes the
 * folder with s_root. */
static void s_teardown(void)
{
    td_registry_close(&s_reg);
    if (s_dir[0] != '\0')
        s_remove_tree(s_dir);
    s_dir[0] = '\0';
}

/* ---- helpers ---- */

typedef struct {
    char z85[TD_Z85_KEY_LEN + 1];
    uint8_t raw[32];
} s_key;

/* A fresh, real CURVE public key (the secret half is thrown away). */
static s_key s_new_key(void)
{
    s_key k;
    char secret[TD_Z85_KEY_LEN + 1];
    ck_assert_int_eq(zmq_curve_keypair(k.z85, secret), 0);
    ck_assert_ptr_nonnull(zmq_z85_decode(k.raw, k.z85));
    return k;
}

static void s_write(const char *path, const char *text, size_t len, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* The whole file, NUL-terminated (caller frees), or NULL when it does not exist. */
static char *s_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    ck_assert_ptr_nonnull(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

static size_t s_occurrences(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Parse text as a file named "keys"; err goes to s_err. */
static td_err s_parse_n(auth_t **out, const char *text, size_t len)
{
    s_err[0] = '\0';
    return auth_parse(out, "keys", text, len, s_reg, s_err, sizeof s_err);
}

static td_err s_parse(auth_t **out, const char *text)
{
    return s_parse_n(out, text, strlen(text));
}

static auth_t *s_parse_ok(const char *text)
{
    auth_t *auth = NULL;
    ck_assert_msg(s_parse(&auth, text) == TD_OK, "parse: %s\n%s", s_err, text);
    ck_assert_ptr_nonnull(auth);
    return auth;
}

static auth_t *s_load_ok(const char *path)
{
    auth_t *auth = NULL;
    s_err[0] = '\0';
    ck_assert_msg(auth_load(&auth, path, s_reg, s_err, sizeof s_err) == TD_OK, "load: %s", s_err);
    ck_assert_ptr_nonnull(auth);
    return auth;
}

/* Parse text and expect a refusal at `line` whose message contains `reason`. */
static void s_refused(const char *text, size_t len, int line, const char *reason)
{
    auth_t *auth = (auth_t *) 1; /* not NULL: a refusal must clear it */
    td_err rc = s_parse_n(&auth, text, len);
    ck_assert_msg(rc == TD_ERR_INVALID, "expected a refusal (%s) of:\n%s\ngot rc %d", reason, text,
                  (int) rc);
    ck_assert_ptr_null(auth);
    char where[32];
    snprintf(where, sizeof where, "keys:%d: ", line);
    ck_assert_msg(strncmp(s_err, where, strlen(where)) == 0, "err '%s' does not start with '%s'",
                  s_err, where);
    ck_assert_msg(strstr(s_err, reason) != NULL, "err '%s' does not say '%s'", s_err, reason);
}

/* A registry copy with illustrative communes and a ministry (data/ ships provinces only):
 * 12345 a commune of Thái Nguyên (19) since the merger, 54321 a pre-2025 commune of Bắc
 * Kạn (06) merged into 12345, BXD a ministry. */
static td_registry_t *s_registry_with_communes(void)
{
    static const char *const files[] = {"units.csv", "task-groups.csv", "indicators.csv",
                                        "datasets.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char src[512], dst[sizeof s_dir + 32];
        snprintf(src, sizeof src, "%s/%s", DATA_DIR, files[i]);
        snprintf(dst, sizeof dst, "%s/%s", s_dir, files[i]);
        size_t len = 0;
        char *text = s_read(src, &len);
        ck_assert_msg(text != NULL, "read %s", src);
        if (i == 0) {
            const char *more = "12345,Phường Ví Dụ,commune,19,2025-07-01,,\n"
                               "54321,Xã Cũ,commune,06,,2025-06-30,12345\n"
                               "BXD,Bộ Xây dựng,ministry,VN,,,\n";
            if (len > 0 && text[len - 1] != '\n')
                text[len++] = '\n';
            memcpy(text + len, more, strlen(more) + 1);
            len += strlen(more);
        }
        s_write(dst, text, len, 0644);
        free(text);
    }
    td_registry_t *reg = NULL;
    ck_assert_msg(td_registry_open(&reg, s_dir, s_err, sizeof s_err) == TD_OK, "open: %s", s_err);
    ck_assert_ptr_nonnull(td_registry_find(reg, "54321", NULL));
    return reg;
}

/* ---- parsing ---- */

START_TEST(test_parse_good_file)
{
    s_key a = s_new_key(), b = s_new_key(), c = s_new_key(), q = s_new_key(), r = s_new_key();
    s_key stranger = s_new_key();
    char text[4096];
    snprintf(text, sizeof text,
             "# tiendo authorised keys\n"                                  /* 1 */
             "\n"                                                          /* 2 */
             "   # an indented comment\n"                                  /* 3 */
             "agent %s 01 Sở Xây dựng Hà Nội\n"                            /* 4 */
             "\t \n"                                                       /* 5 */
             "agent\t%s\t01,19/*\tVăn phòng UBND  tỉnh Thái Nguyên \t\r\n" /* 6, CRLF */
             "  agent %s *\r\n"                                            /* 7: no name */
             "query %s * Bộ Xây dựng – phòng tổng hợp\n"                   /* 8 */
             "query %s *",                                                 /* 9: no final newline */
             a.z85, b.z85, c.z85, q.z85, r.z85);
    auth_t *auth = s_parse_ok(text);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 3);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_QUERY), 2);

    const auth_entry *e = auth_find(auth, a.raw);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->role, AUTH_ROLE_AGENT);
    ck_assert_str_eq(e->z85, a.z85);
    ck_assert_mem_eq(e->key, a.raw, 32);
    ck_assert_int_eq(e->line, 4);
    ck_assert_int_eq(e->nscopes, 1);
    ck_assert_str_eq(e->scopes[0].code, "01");
    ck_assert_int_eq(e->scopes[0].subtree, 0);
    ck_assert_str_eq(e->scope_text, "01");
    ck_assert_str_eq(e->name, "Sở Xây dựng Hà Nội");

    e = auth_find(auth, b.raw);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->line, 6);
    ck_assert_int_eq(e->nscopes, 2);
    ck_assert_str_eq(e->scopes[0].code, "01");
    ck_assert_int_eq(e->scopes[0].subtree, 0);
    ck_assert_str_eq(e->scopes[1].code, "19");
    ck_assert_int_eq(e->scopes[1].subtree, 1);
    ck_assert_str_eq(e->scope_text, "01,19/*");
    /* Inner spaces kept; trailing blanks and the CR of CRLF dropped. */
    ck_assert_str_eq(e->name, "Văn phòng UBND  tỉnh Thái Nguyên");

    e = auth_find(auth, c.raw);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->line, 7);
    ck_assert_int_eq(e->nscopes, 1);
    ck_assert_str_eq(e->scopes[0].code, "");
    ck_assert_str_eq(e->scope_text, "*");
    ck_assert_str_eq(e->name, "");

    e = auth_find(auth, q.raw);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->role, AUTH_ROLE_QUERY);
    ck_assert_int_eq(e->line, 8);
    ck_assert_str_eq(e->name, "Bộ Xây dựng – phòng tổng hợp");
    ck_assert_str_eq(auth_role_name(e->role), "query");

    e = auth_find(auth, r.raw);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->role, AUTH_ROLE_QUERY);
    ck_assert_int_eq(e->line, 9);
    ck_assert_str_eq(auth_role_name(AUTH_ROLE_AGENT), "agent");

    /* A key that is not in the file, and one differing from an enrolled key in one bit. */
    ck_assert_ptr_null(auth_find(auth, stranger.raw));
    uint8_t near[32];
    memcpy(near, a.raw, 32);
    near[31] ^= 1;
    ck_assert_ptr_null(auth_find(auth, near));
    auth_close(&auth);
    ck_assert_ptr_null(auth);
    auth_close(&auth); /* NULL is accepted */
    auth_close(NULL);
}
END_TEST

START_TEST(test_parse_empty_and_comments_only)
{
    s_key a = s_new_key();
    auth_t *auth = s_parse_ok("");
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 0);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_QUERY), 0);
    ck_assert_ptr_null(auth_find(auth, a.raw));
    auth_close(&auth);

    char text[256];
    snprintf(text, sizeof text, "# agent %s *\n\n#query %s *\r\n", a.z85, a.z85);
    auth = s_parse_ok(text);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 0);
    ck_assert_ptr_null(auth_find(auth, a.raw)); /* a commented-out key is not enrolled */
    auth_close(&auth);
}
END_TEST

/* Many keys: lookups stay correct whatever the file order. */
START_TEST(test_parse_many_keys_find)
{
    enum { N = 300 };
    static s_key keys[N];
    size_t cap = (size_t) N * 80 + 1;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    size_t len = 0;
    for (int i = 0; i < N; i++) {
        keys[i] = s_new_key();
        len +=
            (size_t) snprintf(text + len, cap - len, "%s %s %s\n", i % 3 == 0 ? "query" : "agent",
                              keys[i].z85, i % 3 == 0 ? "*" : "19/*");
    }
    auth_t *auth = s_parse_ok(text);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_QUERY), N / 3);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), N - N / 3);
    for (int i = 0; i < N; i++) {
        const auth_entry *e = auth_find(auth, keys[i].raw);
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e->z85, keys[i].z85);
        ck_assert_int_eq(e->line, i + 1);
    }
    auth_close(&auth);
    free(text);
}
END_TEST

/* ---- refusals, each with its line number ---- */

START_TEST(test_refuse_bad_role)
{
    s_key a = s_new_key(), b = s_new_key();
    char text[512];
    snprintf(text, sizeof text, "# keys\nagent %s 01\nadmin %s 01\n", a.z85, b.z85);
    s_refused(text, strlen(text), 3, "role 'admin' is not agent or query");
    snprintf(text, sizeof text, "Agent %s 01\n", a.z85); /* roles are lower case */
    s_refused(text, strlen(text), 1, "not agent or query");
}
END_TEST

START_TEST(test_refuse_bad_key)
{
    s_key a = s_new_key(), b = s_new_key();
    char short_key[TD_Z85_KEY_LEN + 1], long_key[TD_Z85_KEY_LEN + 2], not_z85[TD_Z85_KEY_LEN + 1];
    snprintf(short_key, sizeof short_key, "%.39s", b.z85);
    snprintf(long_key, sizeof long_key, "%sA", b.z85);
    snprintf(not_z85, sizeof not_z85, "%s", b.z85);
    not_z85[17] = '~'; /* '~' is not in the Z85 alphabet */
    char text[512];
    snprintf(text, sizeof text, "agent %s 01\n\nagent %s 19\n", a.z85, short_key);
    s_refused(text, strlen(text), 3, "is not a public key");
    snprintf(text, sizeof text, "agent %s 01\nagent %s 19\n", a.z85, long_key);
    s_refused(text, strlen(text), 2, "is not a public key");
    snprintf(text, sizeof text, "agent %s 01\nagent %s 19\n", a.z85, not_z85);
    s_refused(text, strlen(text), 2, "is not a public key");
    /* A name where the key should be. */
    s_refused("agent Hanoi 01\n", 15, 1, "is not a public key");
}
END_TEST

START_TEST(test_refuse_missing_scope)
{
    s_key a = s_new_key(), b = s_new_key();
    char text[512];
    snprintf(text, sizeof text, "agent %s 01\nagent %s\n", a.z85, b.z85);
    s_refused(text, strlen(text), 2, "expected ROLE PUBLIC-KEY SCOPE");
    snprintf(text, sizeof text, "agent %s 01\nagent %s   \t\r\n", a.z85, b.z85);
    s_refused(text, strlen(text), 2, "expected ROLE PUBLIC-KEY SCOPE");
    s_refused("#\nagent\n", 8, 2, "expected ROLE PUBLIC-KEY SCOPE");
    /* Only commas, or an empty item in a list: a stray comma is a typo, not a scope. */
    snprintf(text, sizeof text, "agent %s ,\n", b.z85);
    s_refused(text, strlen(text), 1, "empty item");
    snprintf(text, sizeof text, "agent %s 01,,19\n", b.z85);
    s_refused(text, strlen(text), 1, "empty item");
    snprintf(text, sizeof text, "agent %s 01,\n", b.z85);
    s_refused(text, strlen(text), 1, "empty item");
}
END_TEST

START_TEST(test_refuse_unknown_unit)
{
    s_key a = s_new_key(), b = s_new_key();
    char text[512];
    /* 03 is not a code of data/units.csv; nor is a 5-digit commune (none are shipped). */
    snprintf(text, sizeof text, "agent %s 01\nagent %s 03\n", a.z85, b.z85);
    s_refused(text, strlen(text), 2, "no unit 03 in the registry");
    snprintf(text, sizeof text, "agent %s 19,12345/*\n", b.z85);
    s_refused(text, strlen(text), 1, "no unit 12345");
    snprintf(text, sizeof text, "agent %s 19/\n", b.z85);
    s_refused(text, strlen(text), 1, "19/");
    snprintf(text, sizeof text, "agent %s /*\n", b.z85);
    s_refused(text, strlen(text), 1, "/*");
    snprintf(text, sizeof text, "agent %s **\n", b.z85);
    s_refused(text, strlen(text), 1, "**");
}
END_TEST

START_TEST(test_refuse_query_scope)
{
    s_key a = s_new_key(), b = s_new_key();
    char text[512];
    snprintf(text, sizeof text, "query %s *\nquery %s 01\n", a.z85, b.z85);
    s_refused(text, strlen(text), 2, "its scope must be *");
    snprintf(text, sizeof text, "query %s VN/*\n", b.z85);
    s_refused(text, strlen(text), 1, "its scope must be *");
    snprintf(text, sizeof text, "query %s *,01\n", b.z85);
    s_refused(text, strlen(text), 1, "its scope must be *");
}
END_TEST

START_TEST(test_refuse_duplicate_key)
{
    s_key a = s_new_key(), b = s_new_key();
    char text[1024];
    snprintf(text, sizeof text,
             "# keys\n"
             "agent %s 01\n"
             "agent %s 19\n"
             "\n"
             "query %s *\n",
             a.z85, b.z85, a.z85);
    s_refused(text, strlen(text), 5, "is already on line 2");
    ck_assert_msg(strstr(s_err, a.z85) != NULL, "err '%s' does not name the key", s_err);
    /* The same line twice. */
    snprintf(text, sizeof text, "agent %s 19\nagent %s 19\n", b.z85, b.z85);
    s_refused(text, strlen(text), 2, "is already on line 1");
}
END_TEST

START_TEST(test_refuse_too_many_scopes)
{
    static const char *const codes[] = {"01", "04", "08", "11", "12", "14", "15", "19", "20",
                                        "22", "24", "25", "31", "33", "37", "38", "40"};
    s_key a = s_new_key();
    char list[256] = "";
    for (int i = 0; i < AUTH_SCOPES_MAX; i++) {
        strcat(list, i ? "," : "");
        strcat(list, codes[i]);
    }
    char text[512];
    /* AUTH_SCOPES_MAX scopes are fine... */
    snprintf(text, sizeof text, "agent %s %s\n", a.z85, list);
    auth_t *auth = s_parse_ok(text);
    const auth_entry *e = auth_find(auth, a.raw);
    ck_assert_int_eq(e->nscopes, AUTH_SCOPES_MAX);
    ck_assert_int_eq(auth_permits(auth, e, codes[AUTH_SCOPES_MAX - 1]), 1);
    ck_assert_int_eq(auth_permits(auth, e, codes[AUTH_SCOPES_MAX]), 0);
    auth_close(&auth);
    /* ...one more is refused. */
    snprintf(text, sizeof text, "# x\nagent %s %s,%s\n", a.z85, list, codes[AUTH_SCOPES_MAX]);
    s_refused(text, strlen(text), 2, "more than 16 scopes");
}
END_TEST

START_TEST(test_refuse_long_line)
{
    s_key a = s_new_key();
    char *text = malloc(4096);
    ck_assert_ptr_nonnull(text);
    /* A line of AUTH_LINE_MAX - 1 bytes is the longest accepted. */
    int n = snprintf(text, 4096, "agent %s 01\n", a.z85);
    memset(text + n, '#', AUTH_LINE_MAX - 1);
    text[n + AUTH_LINE_MAX - 1] = '\n';
    text[n + AUTH_LINE_MAX] = '\0';
    auth_t *auth = s_parse_ok(text);
    auth_close(&auth);
    /* One byte more is refused, comment or not, with its line. */
    memset(text + n, '#', AUTH_LINE_MAX);
    text[n + AUTH_LINE_MAX] = '\n';
    text[n + AUTH_LINE_MAX + 1] = '\0';
    s_refused(text, strlen(text), 2, "line longer than 1023 bytes");
    /* An entry line made long by its name, as the last line without a newline. */
    n = snprintf(text, 4096, "#\n#\nagent %s 01 ", a.z85);
    memset(text + n, 'x', 1500);
    text[n + 1500] = '\0';
    s_refused(text, strlen(text), 3, "line longer than");
    /* A name over AUTH_NAME_MAX - 1 bytes on a short enough line. */
    n = snprintf(text, 4096, "agent %s 01 ", a.z85);
    memset(text + n, 'y', AUTH_NAME_MAX);
    text[n + AUTH_NAME_MAX] = '\0';
    s_refused(text, strlen(text), 1, "name longer than 127 bytes");
    text[n + AUTH_NAME_MAX - 1] = '\0';
    auth = s_parse_ok(text);
    ck_assert_uint_eq(strlen(auth_find(auth, a.raw)->name), AUTH_NAME_MAX - 1);
    auth_close(&auth);
    free(text);
}
END_TEST

START_TEST(test_refuse_control_character)
{
    s_key a = s_new_key(), b = s_new_key();
    char text[512];
    snprintf(text, sizeof text, "agent %s 01\nagent %s 19 Thái\x1b[2JNguyên\n", a.z85, b.z85);
    s_refused(text, strlen(text), 2, "control character");
    /* A lone CR inside a line (not the end of CRLF). */
    snprintf(text, sizeof text, "agent %s 01 Hà\rNội\n", a.z85);
    s_refused(text, strlen(text), 1, "control character");
    /* In a comment too. */
    snprintf(text, sizeof text, "agent %s 01\n# \x07 bell\n", a.z85);
    s_refused(text, strlen(text), 2, "control character");
    /* A NUL byte does not end the text early: it is refused on its line. */
    int n = snprintf(text, sizeof text, "#\n#\nagent %s 01 Hà", a.z85);
    text[n] = '\0';
    int m = snprintf(text + n + 1, sizeof text - (size_t) n - 1, "Nội\nagent %s 19\n", b.z85);
    s_refused(text, (size_t) n + 1 + (size_t) m, 3, "control character");
}
END_TEST

/* ---- auth_permits ---- */

static const auth_entry *s_entry(auth_t **auth, s_key *k, const char *role, const char *scopes)
{
    char text[512];
    *k = s_new_key();
    snprintf(text, sizeof text, "%s %s %s\n", role, k->z85, scopes);
    *auth = s_parse_ok(text);
    const auth_entry *e = auth_find(*auth, k->raw);
    ck_assert_ptr_nonnull(e);
    return e;
}

START_TEST(test_permits_exact)
{
    auth_t *auth;
    s_key k;
    const auth_entry *e = s_entry(&auth, &k, "agent", "19");
    ck_assert_int_eq(auth_permits(auth, e, "19"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "06"), 0); /* merged into 19, but scope is exact */
    ck_assert_int_eq(auth_permits(auth, e, "01"), 0);
    ck_assert_int_eq(auth_permits(auth, e, "VN"), 0);
    ck_assert_int_eq(auth_permits(auth, e, "1"), 0);
    ck_assert_int_eq(auth_permits(auth, e, "190"), 0);
    ck_assert_int_eq(auth_permits(auth, e, ""), 0);
    ck_assert_int_eq(auth_permits(auth, e, NULL), 0);
    auth_close(&auth);
    /* An exact nation scope does not reach its children. */
    e = s_entry(&auth, &k, "agent", "VN");
    ck_assert_int_eq(auth_permits(auth, e, "VN"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "01"), 0);
    auth_close(&auth);
}
END_TEST

START_TEST(test_permits_subtree)
{
    auth_t *auth;
    s_key k;
    /* Subtree of 19: Thái Nguyên itself and Bắc Kạn (06, successor 19 in data/units.csv). */
    const auth_entry *e = s_entry(&auth, &k, "agent", "19/*");
    const td_unit *bac_kan = td_registry_find(s_reg, "06", NULL);
    ck_assert_ptr_nonnull(bac_kan);
    ck_assert_str_eq(bac_kan->successor, "19");
    ck_assert_int_eq(auth_permits(auth, e, "19"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "06"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "01"), 0);
    ck_assert_int_eq(auth_permits(auth, e, "20"), 0); /* Lạng Sơn, a neighbour */
    ck_assert_int_eq(auth_permits(auth, e, "02"), 0); /* merged into 08, not 19 */
    ck_assert_int_eq(auth_permits(auth, e, "VN"), 0); /* the parent is not under it */
    ck_assert_int_eq(auth_permits(auth, e, "99"), 0);
    auth_close(&auth);
    /* Subtree of 08: Hà Giang (02) merged into Tuyên Quang (08). */
    e = s_entry(&auth, &k, "agent", "08/*");
    ck_assert_int_eq(auth_permits(auth, e, "02"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "08"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "06"), 0);
    auth_close(&auth);
    /* A predecessor's subtree does not reach the province it merged into. */
    e = s_entry(&auth, &k, "agent", "06/*");
    ck_assert_int_eq(auth_permits(auth, e, "06"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "19"), 0);
    auth_close(&auth);
    /* Subtree of VN: the nation's children (the real data has no communes: provinces are the
     * children), current and merged alike. */
    e = s_entry(&auth, &k, "agent", "VN/*");
    ck_assert_int_eq(auth_permits(auth, e, "VN"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "01"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "06"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "46"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "03"), 0); /* not a unit */
    auth_close(&auth);
}
END_TEST

START_TEST(test_permits_subtree_communes)
{
    td_registry_t *reg = s_registry_with_communes();
    s_key k = s_new_key();
    char text[512];
    snprintf(text, sizeof text, "agent %s 19/*\n", k.z85);
    auth_t *auth = NULL;
    ck_assert_msg(auth_parse(&auth, "keys", text, strlen(text), reg, s_err, sizeof s_err) == TD_OK,
                  "%s", s_err);
    const auth_entry *e = auth_find(auth, k.raw);
    ck_assert_int_eq(auth_permits(auth, e, "12345"), 1); /* a child commune */
    /* A commune of Bắc Kạn: parent 06, merged into 19 (and its commune into 12345). */
    ck_assert_int_eq(auth_permits(auth, e, "54321"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "BXD"), 0);
    auth_close(&auth);

    snprintf(text, sizeof text, "agent %s 19,06/*,01/*\n", k.z85);
    ck_assert_msg(auth_parse(&auth, "keys", text, strlen(text), reg, s_err, sizeof s_err) == TD_OK,
                  "%s", s_err);
    e = auth_find(auth, k.raw);
    ck_assert_int_eq(auth_permits(auth, e, "12345"), 0); /* exact 19 does not reach it */
    ck_assert_int_eq(auth_permits(auth, e, "54321"), 1); /* under 06 */
    auth_close(&auth);

    snprintf(text, sizeof text, "agent %s 12345/*\n", k.z85);
    ck_assert_msg(auth_parse(&auth, "keys", text, strlen(text), reg, s_err, sizeof s_err) == TD_OK,
                  "%s", s_err);
    e = auth_find(auth, k.raw);
    ck_assert_int_eq(auth_permits(auth, e, "12345"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "54321"), 1); /* merged into it */
    ck_assert_int_eq(auth_permits(auth, e, "19"), 0);    /* its parent */
    auth_close(&auth);

    snprintf(text, sizeof text, "agent %s VN/*\n", k.z85);
    ck_assert_msg(auth_parse(&auth, "keys", text, strlen(text), reg, s_err, sizeof s_err) == TD_OK,
                  "%s", s_err);
    e = auth_find(auth, k.raw);
    ck_assert_int_eq(auth_permits(auth, e, "BXD"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "54321"), 1);
    auth_close(&auth);
    td_registry_close(&reg);
}
END_TEST

START_TEST(test_permits_star_list_query_null)
{
    auth_t *auth;
    s_key k;
    const auth_entry *e = s_entry(&auth, &k, "agent", "*");
    ck_assert_int_eq(auth_permits(auth, e, "01"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "06"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "19"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "96"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "VN"), 1);
    auth_close(&auth);

    e = s_entry(&auth, &k, "agent", "01,19/*");
    ck_assert_int_eq(auth_permits(auth, e, "01"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "19"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "06"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "04"), 0);
    ck_assert_int_eq(auth_permits(auth, e, "20"), 0);
    ck_assert_int_eq(auth_permits(auth, e, "VN"), 0);
    ck_assert_int_eq(auth_permits(NULL, e, "01"), 0);
    ck_assert_int_eq(auth_permits(auth, NULL, "01"), 0);
    auth_close(&auth);

    /* A query key reads everything but may report for nothing. */
    e = s_entry(&auth, &k, "query", "*");
    ck_assert_int_eq(e->role, AUTH_ROLE_QUERY);
    ck_assert_int_eq(auth_permits(auth, e, "01"), 0);
    ck_assert_int_eq(auth_permits(auth, e, "19"), 0);
    ck_assert_int_eq(auth_permits(auth, e, "VN"), 0);
    auth_close(&auth);
}
END_TEST

/* ---- auth_load: modes and missing file ---- */

START_TEST(test_load_modes)
{
    s_key a = s_new_key();
    char text[256];
    snprintf(text, sizeof text, "agent %s 19/*\n", a.z85);
    static const mode_t refused[] = {0664, 0666, 0646, 0620, 0602, 0622};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        s_write(s_path, text, strlen(text), refused[i]);
        auth_t *auth = (auth_t *) 1; /* not NULL: a refusal must clear it */
        s_err[0] = '\0';
        ck_assert_int_eq(auth_load(&auth, s_path, s_reg, s_err, sizeof s_err), TD_ERR_PERMISSION);
        ck_assert_ptr_null(auth);
        ck_assert_msg(strstr(s_err, s_path) != NULL && strstr(s_err, "chmod go-w") != NULL,
                      "mode %o: err '%s'", (unsigned) refused[i], s_err);
    }
    static const mode_t accepted[] = {0644, 0600, 0444, 0640};
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        ck_assert_int_eq(chmod(s_path, accepted[i]), 0);
        auth_t *auth = s_load_ok(s_path);
        ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 1);
        const auth_entry *e = auth_find(auth, a.raw);
        ck_assert_ptr_nonnull(e);
        ck_assert_int_eq(auth_permits(auth, e, "06"), 1); /* the registry is kept */
        auth_close(&auth);
    }
}
END_TEST

START_TEST(test_load_missing_and_bad)
{
    auth_t *auth = (auth_t *) 1; /* not NULL: a refusal must clear it */
    s_err[0] = '\0';
    ck_assert_int_eq(auth_load(&auth, s_path, s_reg, s_err, sizeof s_err), TD_ERR_NOTFOUND);
    ck_assert_ptr_null(auth);
    ck_assert_msg(strstr(s_err, s_path) != NULL, "err '%s'", s_err);

    /* A refused line names the path and the line. */
    s_key a = s_new_key();
    char text[256];
    snprintf(text, sizeof text, "# keys\nagent %s 03\n", a.z85);
    s_write(s_path, text, strlen(text), 0644);
    auth = (auth_t *) 1; /* not NULL: a refusal must clear it */
    ck_assert_int_eq(auth_load(&auth, s_path, s_reg, s_err, sizeof s_err), TD_ERR_INVALID);
    ck_assert_ptr_null(auth);
    char where[sizeof s_path + 16];
    snprintf(where, sizeof where, "%s:2: ", s_path);
    ck_assert_msg(strncmp(s_err, where, strlen(where)) == 0, "err '%s'", s_err);

    /* docs/security.md: a regular file of at most 16 MiB */
    ck_assert_int_eq(unlink(s_path), 0);
    ck_assert_int_eq(mkdir(s_path, 0755), 0);
    auth = (auth_t *) 1;
    ck_assert_int_eq(auth_load(&auth, s_path, s_reg, s_err, sizeof s_err), TD_ERR_INVALID);
    ck_assert_ptr_null(auth);
    ck_assert_msg(strstr(s_err, "not a regular file") != NULL, "err '%s'", s_err);
    ck_assert_int_eq(rmdir(s_path), 0);
    s_write(s_path, text, strlen(text), 0644);
    ck_assert_int_eq(truncate(s_path, (off_t) (16 << 20) + 1), 0); /* sparse */
    auth = (auth_t *) 1;
    ck_assert_int_eq(auth_load(&auth, s_path, s_reg, s_err, sizeof s_err), TD_ERR_TOOBIG);
    ck_assert_ptr_null(auth);
    ck_assert_msg(strstr(s_err, "16 MiB") != NULL, "err '%s'", s_err);
}
END_TEST

/* ---- auth_file_enrol / auth_file_revoke ---- */

static td_err s_enrol(const s_key *k, auth_role role, const char *scopes, const char *name,
                      int *replaced)
{
    s_err[0] = '\0';
    *replaced = -1;
    return auth_file_enrol(s_path, k->z85, role, scopes, name, s_reg, replaced, s_err,
                           sizeof s_err);
}

START_TEST(test_enrol_creates_file)
{
    s_key a = s_new_key();
    int replaced;
    ck_assert_msg(s_enrol(&a, AUTH_ROLE_AGENT, "19/*", "Sở Xây dựng Thái Nguyên", &replaced) ==
                      TD_OK,
                  "enrol: %s", s_err);
    ck_assert_int_eq(replaced, 0);
    char *text = s_read(s_path, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(strncmp(text, "# tiendo authorised keys", 24) == 0, "no header:\n%s", text);
    ck_assert_ptr_nonnull(strstr(text, "ROLE  PUBLIC-KEY  SCOPE"));
    ck_assert_uint_eq(s_occurrences(text, a.z85), 1);
    free(text);
    /* The file it makes is one auth_load accepts (mode included). */
    struct stat st;
    ck_assert_int_eq(stat(s_path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0022, 0);
    auth_t *auth = s_load_ok(s_path);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 1);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_QUERY), 0);
    const auth_entry *e = auth_find(auth, a.raw);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->role, AUTH_ROLE_AGENT);
    ck_assert_str_eq(e->scope_text, "19/*");
    ck_assert_str_eq(e->name, "Sở Xây dựng Thái Nguyên");
    ck_assert_int_eq(auth_permits(auth, e, "06"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "01"), 0);
    auth_close(&auth);

    /* A query key and a nameless agent key go in beside it. */
    s_key q = s_new_key(), b = s_new_key();
    ck_assert_msg(s_enrol(&q, AUTH_ROLE_QUERY, "*", "Bộ Xây dựng", &replaced) == TD_OK, "%s",
                  s_err);
    ck_assert_int_eq(replaced, 0);
    ck_assert_msg(s_enrol(&b, AUTH_ROLE_AGENT, "01", NULL, &replaced) == TD_OK, "%s", s_err);
    ck_assert_int_eq(replaced, 0);
    auth = s_load_ok(s_path);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 2);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_QUERY), 1);
    ck_assert_int_eq(auth_find(auth, q.raw)->role, AUTH_ROLE_QUERY);
    ck_assert_str_eq(auth_find(auth, b.raw)->name, "");
    ck_assert_ptr_nonnull(auth_find(auth, a.raw));
    auth_close(&auth);

    /* No temporary file is left beside it. */
    DIR *d = opendir(s_dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        ck_assert_msg(strstr(de->d_name, ".partial") == NULL && strstr(de->d_name, ".tmp") == NULL,
                      "left behind: %s", de->d_name);
    closedir(d);
}
END_TEST

START_TEST(test_enrol_replaces)
{
    s_key a = s_new_key(), b = s_new_key();
    int replaced;
    ck_assert_int_eq(s_enrol(&a, AUTH_ROLE_AGENT, "01", "Hà Nội", &replaced), TD_OK);
    ck_assert_int_eq(s_enrol(&b, AUTH_ROLE_AGENT, "04", "Cao Bằng", &replaced), TD_OK);
    ck_assert_msg(s_enrol(&a, AUTH_ROLE_AGENT, "19/*", "Thái Nguyên", &replaced) == TD_OK, "%s",
                  s_err);
    ck_assert_int_eq(replaced, 1);
    char *text = s_read(s_path, NULL);
    ck_assert_uint_eq(s_occurrences(text, a.z85), 1);
    ck_assert_ptr_null(strstr(text, "Hà Nội"));
    free(text);
    auth_t *auth = s_load_ok(s_path);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 2);
    const auth_entry *e = auth_find(auth, a.raw);
    ck_assert_str_eq(e->scope_text, "19/*");
    ck_assert_str_eq(e->name, "Thái Nguyên");
    ck_assert_int_eq(auth_permits(auth, e, "06"), 1);
    ck_assert_int_eq(auth_permits(auth, e, "01"), 0); /* the old scope is gone */
    ck_assert_str_eq(auth_find(auth, b.raw)->scope_text, "04");
    auth_close(&auth);

    /* The replacement may change the role. */
    ck_assert_int_eq(s_enrol(&a, AUTH_ROLE_QUERY, "*", NULL, &replaced), TD_OK);
    ck_assert_int_eq(replaced, 1);
    auth = s_load_ok(s_path);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 1);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_QUERY), 1);
    e = auth_find(auth, a.raw);
    ck_assert_int_eq(e->role, AUTH_ROLE_QUERY);
    ck_assert_int_eq(auth_permits(auth, e, "19"), 0);
    auth_close(&auth);
}
END_TEST

/* A hand-written line of the same key (CRLF, tabs, indented) is replaced too. */
START_TEST(test_enrol_replaces_hand_written_line)
{
    s_key a = s_new_key(), b = s_new_key();
    char text[512];
    snprintf(text, sizeof text, "# hand made\r\n  agent\t%s\t01 old\r\nagent %s 04\r\n", a.z85,
             b.z85);
    s_write(s_path, text, strlen(text), 0644);
    int replaced;
    ck_assert_msg(s_enrol(&a, AUTH_ROLE_AGENT, "19", "new", &replaced) == TD_OK, "%s", s_err);
    ck_assert_int_eq(replaced, 1);
    auth_t *auth = s_load_ok(s_path);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 2);
    ck_assert_str_eq(auth_find(auth, a.raw)->name, "new");
    ck_assert_str_eq(auth_find(auth, b.raw)->scope_text, "04");
    auth_close(&auth);
    char *now = s_read(s_path, NULL);
    ck_assert_ptr_nonnull(strstr(now, "# hand made"));
    free(now);
}
END_TEST

/* A refused enrolment leaves the file exactly as it was. */
START_TEST(test_enrol_refused_leaves_file)
{
    s_key a = s_new_key(), b = s_new_key(), c = s_new_key();
    char text[512];
    int len = snprintf(text, sizeof text,
                       "# operators' notes: keep\n"
                       "agent %s 01 Hà Nội\n"
                       "\n"
                       "query %s *", /* no final newline */
                       a.z85, b.z85);
    s_write(s_path, text, (size_t) len, 0644);
    struct stat before;
    ck_assert_int_eq(stat(s_path, &before), 0);

    struct {
        const s_key *key;
        auth_role role;
        const char *scopes;
        const char *name;
        const char *what;
    } bad[] = {
        {&c, AUTH_ROLE_AGENT, "03", "unknown unit", "unknown unit"},
        {&c, AUTH_ROLE_AGENT, "19,99/*", "unknown unit in a list", "unknown unit in a list"},
        {&c, AUTH_ROLE_AGENT, "01 19", "space in scopes", "space in scopes"},
        {&c, AUTH_ROLE_AGENT, "19,\n01", NULL, "line break in scopes"},
        {&c, AUTH_ROLE_AGENT, "", "empty scope", "empty scope"},
        {&c, AUTH_ROLE_AGENT, NULL, "no scope", "no scope"},
        {&c, AUTH_ROLE_QUERY, "01", "query with a unit", "query with a unit"},
        {&a, AUTH_ROLE_AGENT, "03", "replacing with an unknown unit",
         "replacing with an unknown unit"},
        {&a, AUTH_ROLE_AGENT, "01", "name \x1b[31m", "an escape (control byte) in the name"},
    };
    char claimed[128] = ""; /* the first refused case that still said "replaced" */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int replaced;
        td_err rc = s_enrol(bad[i].key, bad[i].role, bad[i].scopes, bad[i].name, &replaced);
        ck_assert_msg(rc == TD_ERR_INVALID, "case %zu (%s): rc %d", i, bad[i].what, (int) rc);
        ck_assert_msg(s_err[0] != '\0', "case %zu: no message", i);
        size_t now_len = 0;
        char *now = s_read(s_path, &now_len);
        ck_assert_msg(now_len == (size_t) len && memcmp(now, text, now_len) == 0,
                      "case %zu (%s) changed the file:\n%s", i, bad[i].what, now);
        free(now);
        if (replaced != 0 && claimed[0] == '\0')
            snprintf(claimed, sizeof claimed, "case %zu (%s)", i, bad[i].what);
    }
    /* A key that is not 40 Z85 characters. */
    int replaced;
    char err[256];
    ck_assert_int_eq(auth_file_enrol(s_path, "short", AUTH_ROLE_AGENT, "01", NULL, s_reg, &replaced,
                                     err, sizeof err),
                     TD_ERR_INVALID);
    struct stat after;
    ck_assert_int_eq(stat(s_path, &after), 0);
    ck_assert_uint_eq(after.st_ino, before.st_ino); /* never replaced */
    ck_assert_int_eq(after.st_mode & 07777, 0644);

    /* On a missing file a refused enrolment creates nothing. */
    ck_assert_int_eq(unlink(s_path), 0);
    ck_assert_int_eq(s_enrol(&c, AUTH_ROLE_AGENT, "03", NULL, &replaced), TD_ERR_INVALID);
    ck_assert_int_eq(access(s_path, F_OK), -1);
    /* Nothing was replaced, so *replaced must not say so. */
    ck_assert_msg(claimed[0] == '\0', "%s: refused, yet *replaced = 1", claimed);
}
END_TEST

/* A file that is already refused (a hand edit gone wrong) is not rewritten by enrol,
 * even to replace the line of the key being enrolled, and nothing is "replaced". */
START_TEST(test_enrol_into_broken_file)
{
    s_key a = s_new_key(), b = s_new_key();
    char text[512];
    int len = snprintf(text, sizeof text, "agent %s 01\nagent %s 03\n", a.z85, b.z85);
    s_write(s_path, text, (size_t) len, 0644);
    int replaced;
    ck_assert_int_eq(s_enrol(&a, AUTH_ROLE_AGENT, "19", NULL, &replaced), TD_ERR_INVALID);
    size_t now_len = 0;
    char *now = s_read(s_path, &now_len);
    ck_assert(now_len == (size_t) len && memcmp(now, text, now_len) == 0);
    free(now);
    ck_assert_msg(strstr(s_err, "no unit 03") != NULL, "err '%s'", s_err);
    /* The message names the file: its line number must be that file's (the 03 is on
     * line 2 of it), and the failed enrolment replaced nothing. */
    char where[sizeof s_path + 16];
    snprintf(where, sizeof where, "%s:2: ", s_path);
    int line_ok = strncmp(s_err, where, strlen(where)) == 0;
    ck_assert_msg(line_ok && replaced == 0, "%s%s%s%s", line_ok ? "" : "err '",
                  line_ok ? "" : s_err,
                  line_ok ? "" : "' gives a line of the rewritten text, not of the file; ",
                  replaced == 0 ? "" : "enrol failed, yet *replaced = 1");
}
END_TEST

/* The name is free text on the key's own line: it cannot add another line (a key). */
START_TEST(test_enrol_name_cannot_add_a_line)
{
    s_key a = s_new_key(), b = s_new_key();
    int replaced;
    ck_assert_int_eq(s_enrol(&a, AUTH_ROLE_AGENT, "04", "Cao Bằng", &replaced), TD_OK);
    size_t len0 = 0;
    char *before = s_read(s_path, &len0);
    char name[128];
    snprintf(name, sizeof name, "Office\nagent %s *", b.z85);
    td_err rc = s_enrol(&a, AUTH_ROLE_AGENT, "04", name, &replaced);
    auth_t *auth = s_load_ok(s_path);
    int smuggled = auth_find(auth, b.raw) != NULL;
    auth_close(&auth);
    ck_assert_msg(!smuggled, "a newline in the name enrolled a second key (%s, scope *)", b.z85);
    ck_assert_int_eq(rc, TD_ERR_INVALID);
    size_t len1 = 0;
    char *after = s_read(s_path, &len1);
    ck_assert(len0 == len1 && memcmp(before, after, len0) == 0);
    free(before);
    free(after);
}
END_TEST

START_TEST(test_revoke)
{
    s_key a = s_new_key(), b = s_new_key(), c = s_new_key();
    char text[1024], expect[1024];
    snprintf(text, sizeof text,
             "# tiendo authorised keys\n"
             "# Thái Nguyên office, enrolled 2025-07-02\n"
             "agent %s 19/* Thái Nguyên\n"
             "\n"
             "agent %s 01 Hà Nội\n"
             "# the ministry\n"
             "query %s * Bộ Xây dựng\n",
             a.z85, b.z85, c.z85);
    snprintf(expect, sizeof expect,
             "# tiendo authorised keys\n"
             "# Thái Nguyên office, enrolled 2025-07-02\n"
             "agent %s 19/* Thái Nguyên\n"
             "\n"
             "# the ministry\n"
             "query %s * Bộ Xây dựng\n",
             a.z85, c.z85);
    s_write(s_path, text, strlen(text), 0644);
    auth_t *auth = s_load_ok(s_path);
    ck_assert_ptr_nonnull(auth_find(auth, b.raw));
    auth_close(&auth);

    s_err[0] = '\0';
    ck_assert_msg(auth_file_revoke(s_path, b.z85, s_reg, s_err, sizeof s_err) == TD_OK, "%s",
                  s_err);
    auth = s_load_ok(s_path);
    ck_assert_ptr_null(auth_find(auth, b.raw));
    ck_assert_ptr_nonnull(auth_find(auth, a.raw));
    ck_assert_ptr_nonnull(auth_find(auth, c.raw));
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 1);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_QUERY), 1);
    ck_assert_str_eq(auth_find(auth, a.raw)->name, "Thái Nguyên");
    auth_close(&auth);
    /* Every other line, comments and blank lines included, is kept as it was. */
    char *now = s_read(s_path, NULL);
    ck_assert_str_eq(now, expect);
    free(now);

    /* Revoking it again: not found, and the file's entries are unchanged. */
    s_err[0] = '\0';
    ck_assert_int_eq(auth_file_revoke(s_path, b.z85, s_reg, s_err, sizeof s_err), TD_ERR_NOTFOUND);
    ck_assert_msg(strstr(s_err, b.z85) != NULL, "err '%s' does not name the key", s_err);
    now = s_read(s_path, NULL);
    ck_assert_str_eq(now, expect);
    free(now);
    /* A key never enrolled, and a malformed key. */
    s_key stranger = s_new_key();
    ck_assert_int_eq(auth_file_revoke(s_path, stranger.z85, s_reg, s_err, sizeof s_err),
                     TD_ERR_NOTFOUND);
    ck_assert_int_eq(auth_file_revoke(s_path, "not-a-key", s_reg, s_err, sizeof s_err),
                     TD_ERR_INVALID);

    /* Revoking the query key and the last agent leaves a file that loads with no keys. */
    ck_assert_int_eq(auth_file_revoke(s_path, c.z85, s_reg, s_err, sizeof s_err), TD_OK);
    ck_assert_int_eq(auth_file_revoke(s_path, a.z85, s_reg, s_err, sizeof s_err), TD_OK);
    auth = s_load_ok(s_path);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 0);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_QUERY), 0);
    auth_close(&auth);
    now = s_read(s_path, NULL);
    ck_assert_ptr_nonnull(strstr(now, "# the ministry\n"));
    free(now);
}
END_TEST

/* Enrolments from two processes at once: the lock keeps every one of them. */
START_TEST(test_enrol_concurrent)
{
    enum { PER_CHILD = 15 };
    static s_key keys[2][PER_CHILD];
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i < PER_CHILD; i++)
            keys[c][i] = s_new_key();
    }
    pid_t pids[2];
    for (int c = 0; c < 2; c++) {
        pids[c] = fork();
        ck_assert_int_ge(pids[c], 0);
        if (pids[c] == 0) {
            int bad = 0;
            for (int i = 0; i < PER_CHILD; i++) {
                int replaced;
                char err[256];
                bad |= auth_file_enrol(s_path, keys[c][i].z85, AUTH_ROLE_AGENT, c ? "19/*" : "01",
                                       NULL, s_reg, &replaced, err, sizeof err) != TD_OK;
            }
            _exit(bad);
        }
    }
    for (int c = 0; c < 2; c++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[c], &status, 0), pids[c]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    auth_t *auth = s_load_ok(s_path);
    ck_assert_uint_eq(auth_count(auth, AUTH_ROLE_AGENT), 2 * PER_CHILD);
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i < PER_CHILD; i++)
            ck_assert_ptr_nonnull(auth_find(auth, keys[c][i].raw));
    }
    auth_close(&auth);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("auth");

    TCase *parse = tcase_create("parse");
    tcase_add_checked_fixture(parse, s_setup, s_teardown);
    tcase_add_test(parse, test_parse_good_file);
    tcase_add_test(parse, test_parse_empty_and_comments_only);
    tcase_add_test(parse, test_parse_many_keys_find);
    suite_add_tcase(s, parse);

    TCase *refuse = tcase_create("refuse");
    tcase_add_checked_fixture(refuse, s_setup, s_teardown);
    tcase_add_test(refuse, test_refuse_bad_role);
    tcase_add_test(refuse, test_refuse_bad_key);
    tcase_add_test(refuse, test_refuse_missing_scope);
    tcase_add_test(refuse, test_refuse_unknown_unit);
    tcase_add_test(refuse, test_refuse_query_scope);
    tcase_add_test(refuse, test_refuse_duplicate_key);
    tcase_add_test(refuse, test_refuse_too_many_scopes);
    tcase_add_test(refuse, test_refuse_long_line);
    tcase_add_test(refuse, test_refuse_control_character);
    suite_add_tcase(s, refuse);

    TCase *permits = tcase_create("permits");
    tcase_add_checked_fixture(permits, s_setup, s_teardown);
    tcase_add_test(permits, test_permits_exact);
    tcase_add_test(permits, test_permits_subtree);
    tcase_add_test(permits, test_permits_subtree_communes);
    tcase_add_test(permits, test_permits_star_list_query_null);
    suite_add_tcase(s, permits);

    TCase *load = tcase_create("load");
    tcase_add_checked_fixture(load, s_setup, s_teardown);
    tcase_add_test(load, test_load_modes);
    tcase_add_test(load, test_load_missing_and_bad);
    suite_add_tcase(s, load);

    TCase *edit = tcase_create("edit");
    tcase_add_checked_fixture(edit, s_setup, s_teardown);
    tcase_set_timeout(edit, 20);
    tcase_add_test(edit, test_enrol_creates_file);
    tcase_add_test(edit, test_enrol_replaces);
    tcase_add_test(edit, test_enrol_replaces_hand_written_line);
    tcase_add_test(edit, test_enrol_refused_leaves_file);
    tcase_add_test(edit, test_enrol_into_broken_file);
    tcase_add_test(edit, test_enrol_name_cannot_add_a_line);
    tcase_add_test(edit, test_revoke);
    tcase_add_test(edit, test_enrol_concurrent);
    suite_add_tcase(s, edit);
    return s;
}

int main(void)
{
    snprintf(s_root, sizeof s_root, "/tmp/tiendo-auth-XXXXXX");
    if (mkdtemp(s_root) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    int failures = td_unit_run(s_suite());
    s_remove_tree(s_root);
    return failures;
}
