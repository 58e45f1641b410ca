/* test_config.c: the table-driven parser: precedence, file format, flags, errors, help, dump. */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unit_main.h"

typedef struct {
    char *data_dir;
    long long workers;
    int verbose;
    char *label;
    long long offset;
} s_cfg;

static const td_config_option s_table[] = {
    {"data-dir", TD_OPT_STRING, offsetof(s_cfg, data_dir), "/var/lib/tiendo", 0, 0,
     "Folder of the registry"},
    {"workers", TD_OPT_INT, offsetof(s_cfg, workers), "4", 1, 100, "Worker threads"},
    {"verbose", TD_OPT_BOOL, offsetof(s_cfg, verbose), "false", 0, 1, "Log more"},
    {"label", TD_OPT_STRING, offsetof(s_cfg, label), NULL, 0, 8, "Short label"},
    {"offset", TD_OPT_INT, offsetof(s_cfg, offset), "0", -10, 10, "Signed value"},
    {NULL, TD_OPT_STRING, 0, NULL, 0, 0, NULL},
};

static char s_dir[64];
static char s_err[512];

/* Check's fork mode runs this in each test's child: the environment and files stay there. */
static void s_setup(void)
{
    unsetenv("TIENDO_DATA_DIR");
    unsetenv("TIENDO_WORKERS");
    unsetenv("TIENDO_VERBOSE");
    unsetenv("TIENDO_LABEL");
    unsetenv("TIENDO_OFFSET");
    strcpy(s_dir, "/tmp/tiendo-test-config-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    s_err[0] = '\0';
}

static void s_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
}

/* Write text to a file in the test folder; returns its path (static buffer). */
static const char *s_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static td_err s_parse(s_cfg *cfg, td_config_args *args, int argc, char **argv)
{
    memset(cfg, 0, sizeof *cfg);
    return td_config_parse(s_table, cfg, argc, argv, args, s_err, sizeof s_err);
}

/* Parse expecting failure and the exact message. */
static void s_fails(int argc, char **argv, const char *want)
{
    s_cfg cfg;
    td_config_args args;
    ck_assert_int_eq(s_parse(&cfg, &args, argc, argv), TD_ERR_CONFIG);
    ck_assert_str_eq(s_err, want);
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
}

START_TEST(test_defaults)
{
    s_cfg cfg;
    td_config_args args;
    ck_assert_int_eq(s_parse(&cfg, &args, 0, NULL), TD_OK);
    ck_assert_str_eq(cfg.data_dir, "/var/lib/tiendo");
    ck_assert_int_eq(cfg.workers, 4);
    ck_assert_int_eq(cfg.verbose, 0);
    ck_assert_ptr_null(cfg.label);
    ck_assert_int_eq(args.npositional, 0);
    ck_assert_int_eq(args.help, 0);
    ck_assert_int_eq(args.check_config, 0);
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
    ck_assert_ptr_null(cfg.data_dir);
}
END_TEST

START_TEST(test_precedence_file_env_flag)
{
    const char *path = s_file("c.conf", "workers = 10\ndata_dir = /from/file\nlabel = file\n");
    char p[128];
    snprintf(p, sizeof p, "%s", path);
    s_cfg cfg;
    td_config_args args;

    /* The file beats the defaults. */
    char *a1[] = {"--config", p};
    ck_assert_int_eq(s_parse(&cfg, &args, 2, a1), TD_OK);
    ck_assert_int_eq(cfg.workers, 10);
    ck_assert_str_eq(cfg.data_dir, "/from/file");
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);

    /* The environment beats the file. */
    setenv("TIENDO_WORKERS", "20", 1);
    setenv("TIENDO_DATA_DIR", "/from/env", 1);
    ck_assert_int_eq(s_parse(&cfg, &args, 2, a1), TD_OK);
    ck_assert_int_eq(cfg.workers, 20);
    ck_assert_str_eq(cfg.data_dir, "/from/env");
    ck_assert_str_eq(cfg.label, "file"); /* not in the environment: the file's value */
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);

    /* Flags beat the environment, wherever --config stands (--config=FILE form here). */
    char cfgflag[160];
    snprintf(cfgflag, sizeof cfgflag, "--config=%s", p);
    char *a2[] = {"--workers", "30", cfgflag, "--data-dir=/from/flag"};
    ck_assert_int_eq(s_parse(&cfg, &args, 4, a2), TD_OK);
    ck_assert_int_eq(cfg.workers, 30);
    ck_assert_str_eq(cfg.data_dir, "/from/flag");
    ck_assert_str_eq(cfg.label, "file");
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
}
END_TEST

START_TEST(test_file_format)
{
    const char *path = s_file("c.conf", "# a comment\n"
                                        "\n"
                                        "   # indented comment\n"
                                        "data-dir = \"/srv/with space # not a comment\"\n"
                                        "workers=7\r\n"
                                        "\tverbose\t=\tyes  \n"
                                        "label = \"a\\\"b\\\\c\"\n"
                                        "offset = -10\n");
    char p[128];
    snprintf(p, sizeof p, "%s", path);
    char *argv[] = {"--config", p};
    s_cfg cfg;
    td_config_args args;
    ck_assert_int_eq(s_parse(&cfg, &args, 2, argv), TD_OK);
    ck_assert_str_eq(cfg.data_dir, "/srv/with space # not a comment");
    ck_assert_int_eq(cfg.workers, 7);
    ck_assert_int_eq(cfg.verbose, 1);
    ck_assert_str_eq(cfg.label, "a\"b\\c");
    ck_assert_int_eq(cfg.offset, -10);
    ck_assert_int_eq(args.npositional, 0); /* the file name is not a positional */
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
}
END_TEST

START_TEST(test_file_errors)
{
    static const struct {
        const char *text, *want; /* want after "PATH:" */
    } cases[] = {
        {"workers = 5\n\nbogus = 1\n", "3: unknown option 'bogus'"},
        {"# x\nworkers = 0\n", "2: option 'workers': must be an integer between 1 and 100"},
        {"workers = 101\n", "1: option 'workers': must be an integer between 1 and 100"},
        {"workers = 5x\n", "1: option 'workers': must be an integer between 1 and 100"},
        {"workers = \n", "1: option 'workers': must be an integer between 1 and 100"},
        {"workers = 99999999999999999999\n",
         "1: option 'workers': must be an integer between 1 and 100"},
        {"verbose = maybe\n", "1: option 'verbose': must be true or false (yes/no, on/off, 1/0)"},
        {"label = 123456789\n", "1: option 'label': must be at most 8 bytes long"},
        {"label = \"open\n", "1: option 'label': unterminated quote"},
        {"label = \"a\" b\n", "1: option 'label': text after the closing quote"},
        {"just words\n", "1: expected 'key = value'"},
        {"= 5\n", "1: expected 'key = value'"},
        {"config = other.conf\n", "1: unknown option 'config'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char p[128], want[256];
        snprintf(p, sizeof p, "%s", s_file("bad.conf", cases[i].text));
        snprintf(want, sizeof want, "%s:%s", p, cases[i].want);
        char *argv[] = {"--config", p};
        s_fails(2, argv, want);
    }
}
END_TEST

START_TEST(test_file_limits)
{
    char p[128], want[256];
    /* A line over 4096 bytes. */
    char *line = malloc(5000);
    ck_assert_ptr_nonnull(line);
    memset(line, '#', 4200);
    strcpy(line + 4200, "\n");
    char *text = malloc(6000);
    ck_assert_ptr_nonnull(text);
    snprintf(text, 6000, "workers = 3\n%s", line);
    snprintf(p, sizeof p, "%s", s_file("long.conf", text));
    snprintf(want, sizeof want, "%s:2: line longer than 4096 bytes", p);
    char *argv[] = {"--config", p};
    s_fails(2, argv, want);
    /* A line of exactly 4096 bytes is fine. */
    memset(line, '#', 4096);
    strcpy(line + 4096, "\n");
    snprintf(p, sizeof p, "%s", s_file("ok.conf", line));
    s_cfg cfg;
    td_config_args args;
    ck_assert_int_eq(s_parse(&cfg, &args, 2, argv), TD_OK);
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
    free(text);
    free(line);

    /* A file over 1 MiB, even one of valid comment lines. */
    snprintf(p, sizeof p, "%s/big.conf", s_dir);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 1024 * 1024 / 64 + 1; i++)
        fprintf(f, "#%062d\n", 0);
    fclose(f);
    snprintf(want, sizeof want, "%s: larger than 1 MiB", p);
    s_fails(2, argv, want);

    /* A file that does not exist. */
    snprintf(p, sizeof p, "%s/missing.conf", s_dir);
    ck_assert_int_eq(s_parse(&cfg, &args, 2, argv), TD_ERR_CONFIG);
    ck_assert_msg(strstr(s_err, "missing.conf: cannot open") != NULL, "got '%s'", s_err);
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
}
END_TEST

START_TEST(test_flag_errors)
{
    char *a1[] = {"--bogus"};
    s_fails(1, a1, "unknown option --bogus (see --help)");
    char *a2[] = {"--bogus=3"};
    s_fails(1, a2, "unknown option --bogus (see --help)");
    char *a3[] = {"-x"};
    s_fails(1, a3, "unknown option -x (see --help)");
    char *a4[] = {"pos", "--workers"};
    s_fails(2, a4, "--workers needs a value");
    char *a5[] = {"--data-dir", "--verbose"};
    s_fails(2, a5, "--data-dir needs a value");
    char *a6[] = {"--workers", "0"};
    s_fails(2, a6, "--workers: must be an integer between 1 and 100");
    char *a7[] = {"--workers=101"};
    s_fails(1, a7, "--workers: must be an integer between 1 and 100");
    char *a8[] = {"--workers", " 5"};
    s_fails(2, a8, "--workers: must be an integer between 1 and 100");
    char *a9[] = {"--workers", "5.0"};
    s_fails(2, a9, "--workers: must be an integer between 1 and 100");
    char *a10[] = {"--offset", "-9223372036854775809"};
    s_fails(2, a10, "--offset: must be an integer between -10 and 10");
    char *a11[] = {"--label", "123456789"};
    s_fails(2, a11, "--label: must be at most 8 bytes long");
    char *a12[] = {"--config"};
    s_fails(1, a12, "--config needs a value");
    char *a13[] = {"--check-config=yes"};
    s_fails(1, a13, "--check-config takes no value");
    char *a14[] = {"--no-workers"};
    s_fails(1, a14, "unknown option --no-workers (see --help)");
    char *a15[] = {"--verbose=maybe"};
    s_fails(1, a15, "--verbose: must be true or false (yes/no, on/off, 1/0)");
}
END_TEST

START_TEST(test_env_errors)
{
    setenv("TIENDO_WORKERS", "many", 1);
    s_fails(0, NULL, "TIENDO_WORKERS: must be an integer between 1 and 100");
    unsetenv("TIENDO_WORKERS");
    setenv("TIENDO_VERBOSE", "1", 1);
    setenv("TIENDO_LABEL", "from-env", 1);
    s_cfg cfg;
    td_config_args args;
    ck_assert_int_eq(s_parse(&cfg, &args, 0, NULL), TD_OK);
    ck_assert_int_eq(cfg.verbose, 1);
    ck_assert_str_eq(cfg.label, "from-env");
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
}
END_TEST

START_TEST(test_bounds)
{
    static const struct {
        const char *value;
        int ok;
        long long want;
    } cases[] = {
        {"1", 1, 1},  {"100", 1, 100}, {"0", 0, 0}, {"101", 0, 0}, {"-1", 0, 0},
        {"+5", 1, 5}, {"007", 1, 7},   {"", 0, 0},  {"5 ", 0, 0},  {"0x10", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--workers=%s", cases[i].value);
        char *argv[] = {flag};
        s_cfg cfg;
        td_config_args args;
        td_err rc = s_parse(&cfg, &args, 1, argv);
        ck_assert_msg((rc == TD_OK) == cases[i].ok, "'%s': rc %d", cases[i].value, rc);
        if (cases[i].ok)
            ck_assert_int_eq(cfg.workers, cases[i].want);
        td_config_free(s_table, &cfg);
        td_config_args_free(&args);
    }
}
END_TEST

START_TEST(test_bool_forms)
{
    static const struct {
        const char *env; /* TIENDO_VERBOSE or NULL */
        const char *flag;
        int want;
    } cases[] = {
        {NULL, "--verbose", 1},      {"1", "--no-verbose", 0},
        {NULL, "--verbose=true", 1}, {"yes", "--verbose=false", 0},
        {NULL, "--verbose=yes", 1},  {"on", "--verbose=no", 0},
        {NULL, "--verbose=ON", 1},   {"1", "--verbose=0", 0},
        {"true", NULL, 1},           {"off", NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].env != NULL)
            setenv("TIENDO_VERBOSE", cases[i].env, 1);
        else
            unsetenv("TIENDO_VERBOSE");
        char *argv[] = {(char *) cases[i].flag};
        s_cfg cfg;
        td_config_args args;
        ck_assert_int_eq(s_parse(&cfg, &args, cases[i].flag != NULL ? 1 : 0, argv), TD_OK);
        ck_assert_msg(cfg.verbose == cases[i].want, "case %zu", i);
        td_config_free(s_table, &cfg);
        td_config_args_free(&args);
    }
    unsetenv("TIENDO_VERBOSE");
    /* A bare boolean flag does not swallow the positional after it. */
    char *argv[] = {"--verbose", "file.json"};
    s_cfg cfg;
    td_config_args args;
    ck_assert_int_eq(s_parse(&cfg, &args, 2, argv), TD_OK);
    ck_assert_int_eq(cfg.verbose, 1);
    ck_assert_int_eq(args.npositional, 1);
    ck_assert_str_eq(args.positional[0], "file.json");
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
}
END_TEST

START_TEST(test_positionals_permuted)
{
    char *argv[] = {"submit", "--workers", "5",  "a.json",    "--verbose",
                    "b.json", "--label=x", "--", "--workers", "-h"};
    s_cfg cfg;
    td_config_args args;
    ck_assert_int_eq(s_parse(&cfg, &args, 10, argv), TD_OK);
    ck_assert_int_eq(cfg.workers, 5);
    ck_assert_int_eq(cfg.verbose, 1);
    ck_assert_str_eq(cfg.label, "x");
    ck_assert_int_eq(args.npositional, 5);
    ck_assert_str_eq(args.positional[0], "submit");
    ck_assert_str_eq(args.positional[1], "a.json");
    ck_assert_str_eq(args.positional[2], "b.json");
    ck_assert_str_eq(args.positional[3], "--workers"); /* after "--" */
    ck_assert_str_eq(args.positional[4], "-h");
    ck_assert_int_eq(args.help, 0);
    ck_assert_ptr_eq(args.positional[1], argv[3]); /* borrowed, not copied */
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);

    /* "-" alone is a positional (stdin), and negative numbers are values. */
    char *b[] = {"-", "--offset", "-3"};
    ck_assert_int_eq(s_parse(&cfg, &args, 3, b), TD_OK);
    ck_assert_int_eq(args.npositional, 1);
    ck_assert_str_eq(args.positional[0], "-");
    ck_assert_int_eq(cfg.offset, -3);
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);

    /* As many positionals as given (submit takes up to 100000 files), in order. */
    enum { MANY = 20000 };
    static char *many[MANY + 1];
    static char names[MANY][8];
    for (int i = 0; i < MANY; i++) {
        snprintf(names[i], sizeof names[i], "%d", i);
        many[i] = names[i];
    }
    many[MANY / 2] = "--workers=3"; /* an option among them still counts */
    ck_assert_int_eq(s_parse(&cfg, &args, MANY, many), TD_OK);
    ck_assert_int_eq(args.npositional, MANY - 1);
    ck_assert_str_eq(args.positional[0], "0");
    ck_assert_str_eq(args.positional[MANY / 2], "10001");
    ck_assert_str_eq(args.positional[MANY - 2], "19999");
    ck_assert_int_eq(cfg.workers, 3);
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
    ck_assert_ptr_null(args.positional);
    /* A failed parse leaves nothing to free in args. */
    char *bad_after[] = {"a.json", "b.json", "--nope"};
    ck_assert_int_eq(s_parse(&cfg, &args, 3, bad_after), TD_ERR_CONFIG);
    ck_assert_ptr_null(args.positional);
    ck_assert_int_eq(args.npositional, 0);
    td_config_free(s_table, &cfg);
}
END_TEST

START_TEST(test_check_config_and_help)
{
    s_cfg cfg;
    td_config_args args;
    char *a1[] = {"--check-config", "--workers", "9"};
    ck_assert_int_eq(s_parse(&cfg, &args, 3, a1), TD_OK);
    ck_assert_int_eq(args.check_config, 1);
    ck_assert_int_eq(args.help, 0);
    ck_assert_int_eq(cfg.workers, 9);
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);

    /* --check-config still reports a bad value. */
    char *a2[] = {"--check-config", "--workers", "0"};
    s_fails(3, a2, "--workers: must be an integer between 1 and 100");

    char *a3[] = {"--help"};
    ck_assert_int_eq(s_parse(&cfg, &args, 1, a3), TD_OK);
    ck_assert_int_eq(args.help, 1);
    ck_assert_str_eq(cfg.data_dir, "/var/lib/tiendo");
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);

    char *a4[] = {"status", "-h"};
    ck_assert_int_eq(s_parse(&cfg, &args, 2, a4), TD_OK);
    ck_assert_int_eq(args.help, 1);
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);

    /* Help is available even when the rest of the line is wrong. */
    char *a5[] = {"--bogus", "--workers=0", "--help"};
    ck_assert_int_eq(s_parse(&cfg, &args, 3, a5), TD_OK);
    ck_assert_int_eq(args.help, 1);
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
}
END_TEST

START_TEST(test_repeated_string_and_free)
{
    char *argv[] = {"--label", "one", "--label", "two", "--data-dir=/a", "--data-dir=/b"};
    s_cfg cfg;
    td_config_args args;
    ck_assert_int_eq(s_parse(&cfg, &args, 6, argv), TD_OK);
    ck_assert_str_eq(cfg.label, "two");
    ck_assert_str_eq(cfg.data_dir, "/b");
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
    ck_assert_ptr_null(cfg.label);
    ck_assert_ptr_null(cfg.data_dir);
    td_config_free(s_table, &cfg); /* twice is safe */
    td_config_args_free(&args);

    /* A failed parse leaves a target td_config_free can release. */
    char *bad[] = {"--label", "ok", "--workers", "0"};
    ck_assert_int_eq(s_parse(&cfg, &args, 4, bad), TD_ERR_CONFIG);
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
    ck_assert_ptr_null(cfg.label);
}
END_TEST

START_TEST(test_dump_round_trip)
{
    char *argv[] = {"--data-dir", "/srv/a \"quoted\" \\ path # x", "--workers", "77", "--verbose",
                    "--offset=-2"};
    s_cfg cfg;
    td_config_args args;
    ck_assert_int_eq(s_parse(&cfg, &args, 6, argv), TD_OK);

    char path[128];
    snprintf(path, sizeof path, "%s/dump.conf", s_dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    td_config_dump(f, s_table, &cfg);
    fclose(f);

    char *again[] = {"--config", path};
    s_cfg back;
    memset(&back, 0, sizeof back);
    ck_assert_int_eq(td_config_parse(s_table, &back, 2, again, &args, s_err, sizeof s_err), TD_OK);
    ck_assert_str_eq(back.data_dir, cfg.data_dir);
    ck_assert_int_eq(back.workers, 77);
    ck_assert_int_eq(back.verbose, 1);
    ck_assert_ptr_null(back.label); /* unset stays unset */
    ck_assert_int_eq(back.offset, -2);

    /* The dump reads as "name = value" lines. */
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char text[1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "workers = 77\n"));
    ck_assert_ptr_nonnull(strstr(text, "verbose = true\n"));
    td_config_free(s_table, &cfg);
    td_config_args_free(&args);
    td_config_free(s_table, &back);
}
END_TEST

START_TEST(test_print_help)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    td_config_print_help(f, s_table);
    fclose(f);

    ck_assert_ptr_nonnull(strstr(text, "  --data-dir PATH"));
    ck_assert_ptr_nonnull(strstr(text, "Folder of the registry (default: /var/lib/tiendo)"));
    ck_assert_ptr_nonnull(strstr(text, "--workers N"));
    ck_assert_ptr_nonnull(strstr(text, "Worker threads (1..100, default: 4)"));
    ck_assert_ptr_nonnull(strstr(text, "--config FILE"));
    ck_assert_ptr_nonnull(strstr(text, "--check-config"));

    /* Every line's help text starts in the same column. */
    static const char *const helps[] = {"Folder of", "Worker threads", "Log more", "Short label",
                                        "Signed value"};
    long column = -1;
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++) {
        const char *at = strstr(text, helps[i]);
        ck_assert_ptr_nonnull(at);
        const char *bol = at;
        while (bol > text && bol[-1] != '\n')
            bol--;
        if (column < 0)
            column = at - bol;
        ck_assert_int_eq(at - bol, column);
    }
    free(text);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_precedence_file_env_flag);
    tcase_add_test(tc, test_file_format);
    tcase_add_test(tc, test_file_errors);
    tcase_add_test(tc, test_file_limits);
    tcase_add_test(tc, test_flag_errors);
    tcase_add_test(tc, test_env_errors);
    tcase_add_test(tc, test_bounds);
    tcase_add_test(tc, test_bool_forms);
    tcase_add_test(tc, test_positionals_permuted);
    tcase_add_test(tc, test_check_config_and_help);
    tcase_add_test(tc, test_repeated_string_and_free);
    tcase_add_test(tc, test_dump_round_trip);
    tcase_add_test(tc, test_print_help);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
