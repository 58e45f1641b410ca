/* test_cli.c: unit tests of the tiendo command's options, commands and client. */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "cli_test.h"
#include "client.h"
#include "clock.h"
#include "codec.h"
#include "keys.h"
#include "command.h"
#include "commands.h"
#include "options.h"
#include "unit_main.h"

/* ---- options ---- */

/* The table's row for name (which must exist). */
static const td_command *s_command(const char *name)
{
    const td_command *cmd = td_command_find(commands_table, name);
    ck_assert_msg(cmd != NULL, "no command %s", name);
    return cmd;
}

START_TEST(period_default_is_current_quarter)
{
    char out[TD_PERIOD_TEXT_MAX], err[256];
    time_t nov29 = (time_t) 1795910400; /* 2026-11-29T00:00:00Z */

    ck_assert_int_eq(options_resolve_period(NULL, nov29, out, sizeof out, err, sizeof err), TD_OK);
    ck_assert_str_eq(out, "2026-Q4");
    ck_assert_int_eq(options_resolve_period("", (time_t) 1783036800 /* 2026-07-03 */, out,
                                            sizeof out, err, sizeof err),
                     TD_OK);
    ck_assert_str_eq(out, "2026-Q3");
    ck_assert_int_eq(options_resolve_period("2026-M07", nov29, out, sizeof out, err, sizeof err),
                     TD_OK);
    ck_assert_str_eq(out, "2026-M07");
    ck_assert_int_eq(options_resolve_period(" 2026-q3 ", nov29, out, sizeof out, err, sizeof err),
                     TD_OK);
    ck_assert_str_eq(out, "2026-Q3");
    ck_assert_int_eq(options_resolve_period("2026-9m", nov29, out, sizeof out, err, sizeof err),
                     TD_OK);
    ck_assert_str_eq(out, "2026-9M");
}
END_TEST

START_TEST(bad_period_names_accepted_forms)
{
    static const char *const bad[] = {
        "2026-Q5", "Q3-2026", "2026-M7",  "1999",
        "2026-H3", "2026/Q3", "2026-Q3x", "2026-Q3-and-much-more-text"};
    char out[TD_PERIOD_TEXT_MAX], err[512];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        ck_assert_int_eq(options_resolve_period(bad[i], 0, out, sizeof out, err, sizeof err),
                         TD_ERR_INVALID);
        ck_assert_ptr_nonnull(strstr(err, "is not a reporting period"));
        ck_assert_ptr_nonnull(strstr(err, "2026-Q3 (quarter)"));
        ck_assert_ptr_nonnull(strstr(err, "2026-M07 (month)"));
        ck_assert_ptr_nonnull(strstr(err, "2026-9M"));
        ck_assert_ptr_nonnull(strstr(err, bad[i]) == err + 1 ? err : NULL); /* quoted as typed */
    }
    ck_assert_int_eq(options_resolve_period("2026-q5", 0, out, sizeof out, err, sizeof err),
                     TD_ERR_INVALID);
    ck_assert_uint_eq(strncmp(err, "'2026-q5' is not", 16), 0);
}
END_TEST

START_TEST(options_table_and_checks)
{
    options_t o;
    td_config_args args;
    char err[512] = "";
    char *argv[] = {"--json",
                    "status",
                    "--period",
                    "2026-Q3",
                    "--query=tcp://10.0.0.5:7421",
                    "--collector-public-key",
                    "c.pub",
                    "--secret-key",
                    "me.key",
                    NULL};

    unsetenv("TIENDO_QUERY");
    unsetenv("TIENDO_DATASET");
    unsetenv("TIENDO_TIMEOUT_MS");
    memset(&o, 0, sizeof o);
    ck_assert_int_eq(td_config_parse(options_table, &o, 9, argv, &args, err, sizeof err), TD_OK);
    ck_assert_int_eq(args.npositional, 1);
    ck_assert_str_eq(s_command(args.positional[0])->name, "status");
    td_config_args_free(&args);
    ck_assert_int_eq(o.json, 1);
    ck_assert_str_eq(o.period, "2026-Q3");
    ck_assert_str_eq(o.dataset, "nq06");
    ck_assert_str_eq(o.color, "auto");
    ck_assert_int_eq(o.timeout_ms, 5000);
    ck_assert_str_eq(o.query, "tcp://10.0.0.5:7421");
    ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_OK);
    free(o.color);
    o.color = strdup("sometimes");
    ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err, "auto, always or never"));
    free(o.dataset);
    o.dataset = strdup("NQ 06");
    free(o.color);
    o.color = strdup("never");
    ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err, "--dataset"));
    td_config_free(options_table, &o);

    char *slow[] = {"agents", "--timeout-ms", "50", NULL};
    ck_assert_int_eq(td_config_parse(options_table, &o, 3, slow, &args, err, sizeof err),
                     TD_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err, "timeout-ms"));
    td_config_free(options_table, &o);

    char *help[] = {"--period", "2026", "agents", "--help", NULL};
    ck_assert_ptr_nonnull(commands_find_word(4, help));
    ck_assert_str_eq(commands_find_word(4, help)->name, "agents");
    ck_assert_ptr_null(td_command_find(commands_table, "stats"));
    /* "tiendo help status --help" explains status, as it did before help was a row. */
    char *help_first[] = {"help", "status", "--help", NULL};
    ck_assert_str_eq(commands_find_word(3, help_first)->name, "status");
    char *help_only[] = {"help", "--help", NULL};
    ck_assert_str_eq(commands_find_word(2, help_only)->name, "help");
}
END_TEST

/* Which configuration file is read: --config, TIENDO_CONFIG, the user's, the package's. */
START_TEST(configuration_file_order)
{
    char dir[] = "/tmp/tiendo-cli-config-XXXXXX", sys[128], user[160], buf[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(sys, sizeof sys, "%s/etc-tiendo.conf", dir);
    char *none[] = {"status", NULL}, *given[] = {"status", "--config", "x.conf", NULL};
    unsetenv("TIENDO_CONFIG");
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", dir, 1);
    /* nothing exists: nothing is read */
    ck_assert_int_eq(options_default_config_in(1, none, sys, buf, sizeof buf), 0);
    /* the package's file, for a user who has none of their own */
    FILE *f = fopen(sys, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(options_default_config_in(1, none, sys, buf, sizeof buf), 1);
    ck_assert_str_eq(buf, sys);
    /* the user's own wins */
    snprintf(user, sizeof user, "%s/.config", dir);
    ck_assert_int_eq(mkdir(user, 0700), 0);
    snprintf(user, sizeof user, "%s/.config/tiendo", dir);
    ck_assert_int_eq(mkdir(user, 0700), 0);
    snprintf(user, sizeof user, "%s/.config/tiendo/tiendo.conf", dir);
    f = fopen(user, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(options_default_config_in(1, none, sys, buf, sizeof buf), 1);
    ck_assert_str_eq(buf, user);
    /* TIENDO_CONFIG over both, --config over everything */
    setenv("TIENDO_CONFIG", "/srv/staff.conf", 1);
    ck_assert_int_eq(options_default_config_in(1, none, sys, buf, sizeof buf), 1);
    ck_assert_str_eq(buf, "/srv/staff.conf");
    ck_assert_int_eq(options_default_config_in(3, given, sys, buf, sizeof buf), 0);
    unsetenv("TIENDO_CONFIG");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* tiendo keygen: a staff workstation makes its own key pair (docs/security.md: a secret
 * key never leaves the machine it was made on); an existing key is never overwritten. */
START_TEST(keygen_makes_the_workstations_keys)
{
    char dir[] = "/tmp/tiendo-cli-keygen-XXXXXX", prefix[96], path[128], cmd[128];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(prefix, sizeof prefix, "%s/staff", dir);
    const td_command *keygen = td_command_find(commands_table, "keygen");
    ck_assert_ptr_nonnull(keygen);
    char *operands[] = {prefix, NULL};
    ck_assert_int_eq(keygen->run(NULL, 1, operands), COMMANDS_EXIT_OK);
    struct stat st;
    snprintf(path, sizeof path, "%s.key", prefix);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char secret[TD_Z85_KEY_LEN + 1], derived[TD_Z85_KEY_LEN + 1], err[256];
    char public_key[TD_Z85_KEY_LEN + 1];
    ck_assert_int_eq(td_keys_load_secret(path, secret, derived, err, sizeof err), TD_OK);
    snprintf(path, sizeof path, "%s.pub", prefix);
    ck_assert_int_eq(td_keys_load_public(path, public_key, err, sizeof err), TD_OK);
    ck_assert_str_eq(derived, public_key); /* the pair belongs together */
    /* again: refused, the first pair kept */
    ck_assert_int_eq(keygen->run(NULL, 1, operands), COMMANDS_EXIT_USAGE);
    char again[TD_Z85_KEY_LEN + 1];
    ck_assert_int_eq(td_keys_load_public(path, again, err, sizeof err), TD_OK);
    ck_assert_str_eq(again, public_key);
    ck_assert_int_eq(keygen->run(NULL, 0, operands), COMMANDS_EXIT_USAGE);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(color_only_on_terminals)
{
    ck_assert_int_eq(options_use_color("auto", 1, NULL, "xterm"), 1);
    ck_assert_int_eq(options_use_color("auto", 0, NULL, "xterm"), 0);
    ck_assert_int_eq(options_use_color("auto", 1, "1", "xterm"), 0);
    ck_assert_int_eq(options_use_color("auto", 1, "", "xterm"), 1);
    ck_assert_int_eq(options_use_color("auto", 1, NULL, "dumb"), 0);
    ck_assert_int_eq(options_use_color("always", 0, "1", "dumb"), 1);
    ck_assert_int_eq(options_use_color("never", 1, NULL, "xterm"), 0);
}
END_TEST

START_TEST(timeout_text)
{
    char buf[32];
    ck_assert_str_eq(options_format_timeout(5000, buf, sizeof buf), "5 s");
    ck_assert_str_eq(options_format_timeout(1500, buf, sizeof buf), "1.5 s");
    ck_assert_str_eq(options_format_timeout(250, buf, sizeof buf), "250 ms");
}
END_TEST

START_TEST(messages_and_help_in_vietnamese)
{
    char buf[64], err[512];
    options_t o;
    s_mem m;

    s_language(TD_LANG_VI);
    ck_assert_str_eq(options_format_timeout(5000, buf, sizeof buf), "5 giây");
    ck_assert_str_eq(options_format_timeout(1500, buf, sizeof buf), "1,5 giây");
    ck_assert_str_eq(options_format_timeout(250, buf, sizeof buf), "250 ms");
    ck_assert_int_eq(options_resolve_period("2026-X", 0, buf, sizeof buf, err, sizeof err),
                     TD_ERR_INVALID);
    ck_assert_str_eq(err, "'2026-X' không phải là kỳ báo cáo: hãy viết 2026-Q3 (quý), 2026-M07 "
                          "(tháng), 2026-H2 (6 tháng), 2026-9M (9 tháng) hoặc 2026 (năm), với "
                          "năm từ 2000 đến 2100");
    {
        char *argv[] = {"--color", "rainbow", NULL};
        td_config_args args;
        memset(&o, 0, sizeof o);
        ck_assert_int_eq(td_config_parse(options_table, &o, 2, argv, &args, err, sizeof err),
                         TD_OK);
        td_config_args_free(&args);
        ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_ERR_CONFIG);
        ck_assert_str_eq(err, "--color 'rainbow': phải là auto, always hoặc never");
        td_config_free(options_table, &o);
    }

    /* Help in Vietnamese: the texts translated, option names and examples as they are. */
    s_mem_open(&m);
    commands_print_help(m.f, s_command("status"));
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "Tổng hợp toàn quốc của một kỳ báo cáo"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Ví dụ:\n  tiendo status\n  tiendo status --period "
                                        "2026-Q3\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "--period TEXT"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Kỳ báo cáo: 2026-Q3, 2026-M07"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Mã thoát: 0 thành công"));
    ck_assert_ptr_null(strstr(m.buf, "Examples:"));
    free(m.buf);
    /* a usage on two lines stays aligned under the wider "Cách dùng: " */
    s_mem_open(&m);
    commands_print_help(m.f, s_command("tasks"));
    s_mem_text(&m);
    ck_assert_msg(strstr(m.buf, "Cách dùng: tiendo tasks [--status STATE]") == m.buf, "%s", m.buf);
    ck_assert_msg(strstr(m.buf, "\n                        [--limit N] ") != NULL, "%s", m.buf);
    free(m.buf);
    s_mem_open(&m);
    commands_print_help(m.f, NULL);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "Các lệnh:\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "\n  tasks       Nhiệm vụ trong kế hoạch hành động: "));
    ck_assert_ptr_nonnull(strstr(m.buf, "Tùy chọn (dùng với mọi lệnh"));
    free(m.buf);
    s_mem_open(&m);
    commands_print_unknown(m.f, "statsu");
    ck_assert_str_eq(s_mem_text(&m),
                     "tiendo: không có lệnh 'statsu' (các lệnh là status, agents, "
                     "indicators, units, unit, overdue, tasks, export, keygen và help; "
                     "xem tiendo --help)\n");
    free(m.buf);
    s_language(TD_LANG_EN);
    ck_assert_str_eq(options_format_timeout(1500, buf, sizeof buf), "1.5 s");
}
END_TEST

START_TEST(new_commands_and_options)
{
    options_t o;
    td_config_args args;
    char err[512] = "";
    char *argv[] = {
        "units", "--sort",       "progress", "--province", "01", "--collector-public-key",
        "c.pub", "--secret-key", "me.key",   NULL};

    ck_assert_str_eq(s_command("indicators")->name, "indicators");
    ck_assert_str_eq(s_command("units")->name, "units");
    ck_assert_str_eq(s_command("unit")->name, "unit");
    ck_assert_str_eq(s_command("overdue")->name, "overdue");
    ck_assert_str_eq(s_command("export")->name, "export");
    unsetenv("TIENDO_SORT");
    unsetenv("TIENDO_LEVEL");
    unsetenv("TIENDO_FORMAT");
    unsetenv("TIENDO_PROVINCE");
    memset(&o, 0, sizeof o);
    ck_assert_int_eq(td_config_parse(options_table, &o, 9, argv, &args, err, sizeof err), TD_OK);
    td_config_args_free(&args);
    ck_assert_str_eq(o.sort, "progress");
    ck_assert_str_eq(o.province, "01");
    ck_assert_str_eq(o.level, "nation");
    ck_assert_str_eq(o.format, "csv");
    ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_OK);
    free(o.sort);
    o.sort = strdup("size");
    ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err, "--sort"));
    free(o.sort);
    o.sort = NULL;
    free(o.level);
    o.level = strdup("district");
    ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err, "nation or province"));
    free(o.level);
    o.level = strdup("province");
    free(o.format);
    o.format = strdup("xlsx");
    ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err, "csv or json"));
    free(o.format);
    o.format = strdup("json");
    free(o.province);
    o.province = strdup("0 1;");
    ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err, "--province"));
    td_config_free(options_table, &o);

    /* Every command has its own help. */
    for (const td_command *c = commands_table; c->name != NULL; c++) {
        s_mem m;
        s_mem_open(&m);
        commands_print_help(m.f, c);
        ck_assert_ptr_nonnull(strstr(s_mem_text(&m), "Usage: tiendo "));
        ck_assert_ptr_nonnull(strstr(m.buf, "Examples:"));
        free(m.buf);
    }
}
END_TEST

/* ---- the command table ---- */

START_TEST(command_table_rows_are_complete)
{
    static const char *const names[] = {"status",  "agents", "indicators", "units",  "unit",
                                        "overdue", "tasks",  "export",     "keygen", "help"};
    size_t n = 0;

    for (const td_command *c = commands_table; c->name != NULL; c++, n++) {
        ck_assert_msg(n < 10 && strcmp(c->name, names[n]) == 0, "row %zu: %s", n, c->name);
        ck_assert_ptr_nonnull(c->run);
        ck_assert_uint_eq(strncmp(c->usage, c->name, strlen(c->name)), 0);
        /* "  indicators  " and the summary fit 80 columns in the overview. */
        ck_assert_msg(2 + 10 + 2 + term_width(c->summary) <= 80, "%s: summary too long", c->name);
        ck_assert_ptr_null(strchr(c->summary, '\n'));
        ck_assert_uint_gt(strlen(c->help), 0);
        ck_assert_int_eq(c->help[strlen(c->help) - 1], '\n');
        ck_assert_ptr_eq(td_command_find(commands_table, c->name), c);
    }
    ck_assert_uint_eq(n, 10);
    ck_assert_ptr_null(td_command_find(commands_table, "Status"));
    ck_assert_ptr_null(commands_find_word(0, NULL));
}
END_TEST

static int s_starts(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

START_TEST(help_as_today_from_the_table)
{
    s_mem m;
    char *lines[128];
    size_t n, list = 0;

    /* One command: usage, what it does, examples, the options, settings and exit codes. */
    s_mem_open(&m);
    commands_print_help(m.f, s_command("status"));
    s_mem_text(&m);
    ck_assert_msg(s_starts(m.buf, "Usage: tiendo status [--period PERIOD] [--dataset DATASET] "
                                  "[--json] [OPTIONS]\n\nThe national summary for one "
                                  "reporting period"),
                  "%s", m.buf);
    ck_assert_ptr_nonnull(strstr(m.buf, "> status-2026.json\n\nOptions:\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "  --timeout-ms N "));
    ck_assert_ptr_nonnull(strstr(m.buf, "\nSettings can also come from a file"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Exit codes: 0 success; 1 the collector answered"));
    free(m.buf);

    s_mem_open(&m);
    commands_print_help(m.f, s_command("indicators"));
    ck_assert_ptr_nonnull(strstr(s_mem_text(&m),
                                 "Usage: tiendo indicators [--level nation|province] [--period "
                                 "PERIOD]\n                         [--dataset DATASET] [--json] "
                                 "[OPTIONS]\n"));
    free(m.buf);

    /* The overview: every command with its summary, then the options and the footer. */
    s_mem_open(&m);
    commands_print_help(m.f, NULL);
    s_mem_text(&m);
    ck_assert(s_starts(m.buf, "Usage: tiendo COMMAND [OPTIONS]\n\nShows the national"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Options (any command, anywhere on the line):\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "  --json "));
    ck_assert_ptr_nonnull(strstr(m.buf, "Exit codes: 0 success"));
    n = s_lines(m.buf, lines, 128);
    for (size_t i = 0; i < n; i++)
        if (strcmp(lines[i], "Commands:") == 0)
            list = i + 1;
    ck_assert_uint_gt(list, 0);
    for (const td_command *c = commands_table; c->name != NULL; c++, list++) {
        ck_assert_uint_eq(strncmp(lines[list] + 2, c->name, strlen(c->name)), 0);
        ck_assert_ptr_nonnull(strstr(lines[list], c->summary));
        ck_assert_uint_le(term_width(lines[list]), 80);
    }
    free(m.buf);

    /* A line without a command, and a word that is none, name the commands of the table. */
    s_mem_open(&m);
    commands_print_usage(m.f);
    ck_assert_str_eq(s_mem_text(&m),
                     "Usage: tiendo COMMAND [OPTIONS]\nCommands: status, agents, indicators, "
                     "units, unit, overdue, tasks, export, keygen, help\nRun 'tiendo --help' for "
                     "more.\n");
    free(m.buf);
    s_mem_open(&m);
    commands_print_unknown(m.f, "stats");
    ck_assert_str_eq(s_mem_text(&m),
                     "tiendo: unknown command 'stats' (the commands are status, agents, "
                     "indicators, units, unit, overdue, tasks, export, keygen and help; see tiendo "
                     "--help)\n");
    free(m.buf);
}
END_TEST

/* Parse a command line the way main does (every option on argv). */
static void s_run_parse(commands_run *run, int argc, char **argv)
{
    td_config_args args;
    char err[512] = "";

    memset(run, 0, sizeof *run);
    ck_assert_msg(td_config_parse(options_table, &run->opt, argc, argv, &args, err, sizeof err) ==
                      TD_OK,
                  "%s", err);
    run->check_config = args.check_config;
    td_config_args_free(&args);
}

static void s_run_free(commands_run *run)
{
    commands_release(run);
    td_config_free(options_table, &run->opt);
}

START_TEST(commands_refuse_bad_operands_and_options)
{
    commands_run run;
    char *none[] = {NULL};
    char *nokey[] = {"--collector-public-key", "/nonexistent/c.pub", "--secret-key",
                     "/nonexistent/me.key", NULL};
    char *one[] = {"01", NULL}, *two[] = {"01", "02", NULL}, *empty[] = {"", NULL};
    char *extra[] = {"now", NULL};

    unsetenv("TIENDO_QUERY");
    unsetenv("TIENDO_COLLECTOR_PUBLIC_KEY");
    unsetenv("TIENDO_SECRET_KEY");
    s_run_parse(&run, 0, none);
    /* unit wants exactly one code; the other commands none. Exit 2, nothing asked. */
    ck_assert_int_eq(s_command("unit")->run(&run, 0, none), COMMANDS_EXIT_USAGE);
    ck_assert_int_eq(s_command("unit")->run(&run, 1, empty), COMMANDS_EXIT_USAGE);
    ck_assert_int_eq(s_command("unit")->run(&run, 2, two), COMMANDS_EXIT_USAGE);
    for (const td_command *c = commands_table; c->name != NULL; c++)
        if (strcmp(c->name, "unit") != 0 && strcmp(c->name, "help") != 0 &&
            strcmp(c->name, "keygen") != 0) /* keygen takes its PREFIX: tested on its own */
            ck_assert_int_eq(c->run(&run, 1, extra), COMMANDS_EXIT_USAGE);
    /* No keys configured: a usage error before anything is asked. */
    ck_assert_int_eq(s_command("status")->run(&run, 0, none), COMMANDS_EXIT_USAGE);
    ck_assert_int_eq(s_command("unit")->run(&run, 1, one), COMMANDS_EXIT_USAGE);
    ck_assert_int_eq(commands_check_config(&run), COMMANDS_EXIT_USAGE);
    s_run_free(&run);
    /* Key files that cannot be read: exit 2 as well. */
    s_run_parse(&run, 4, nokey);
    ck_assert_int_eq(s_command("agents")->run(&run, 0, none), COMMANDS_EXIT_USAGE);
    ck_assert_int_eq(commands_check_config(&run), COMMANDS_EXIT_USAGE);
    s_run_free(&run);
}
END_TEST

/* ---- client against an in-test CURVE REP server ---- */

typedef struct {
    void *ctx;
    char secret[TD_Z85_KEY_LEN + 1];
    char endpoint[256];
    int answer; /* 1: answer the question; 0: read it and stay silent */
    /* with answer: an error instead, its English text and, when error_format is set, its
     * parts (QueryResponse.error_format, error_args) */
    const char *error, *error_format, *error_arg;
    uint32_t got_version; /* what the server saw */
    char got_dataset[64], got_period[32];
    int got_case;
    /* a TasksQuery as it arrived ("(null)" for a field left out) */
    char got_state[32], got_province[32], got_owner[256], got_as_of[32];
    int got_has_group;
    uint32_t got_group;
    void *sock;
} s_server;

static void s_server_start(s_server *srv, const char *secret)
{
    int one = 1, zero = 0;
    size_t len = sizeof srv->endpoint;

    memcpy(srv->secret, secret, sizeof srv->secret);
    srv->sock = zmq_socket(srv->ctx, ZMQ_REP);
    ck_assert_ptr_nonnull(srv->sock);
    /* No ZAP handler in this test: any client key is accepted; the encryption is real. */
    ck_assert_int_eq(zmq_setsockopt(srv->sock, ZMQ_CURVE_SERVER, &one, sizeof one), 0);
    ck_assert_int_eq(zmq_setsockopt(srv->sock, ZMQ_CURVE_SECRETKEY, secret, TD_Z85_KEY_LEN), 0);
    ck_assert_int_eq(zmq_setsockopt(srv->sock, ZMQ_LINGER, &zero, sizeof zero), 0);
    ck_assert_int_eq(zmq_bind(srv->sock, "tcp://127.0.0.1:*"), 0);
    ck_assert_int_eq(zmq_getsockopt(srv->sock, ZMQ_LAST_ENDPOINT, srv->endpoint, &len), 0);
}

static const char *s_or_null(const char *s)
{
    return s != NULL ? s : "(null)";
}

/* The answer to a TasksQuery: one overdue task of 01, counted. Static storage: one server
 * answers at a time. */
static void s_task_list(Tiendo__QueryResponse *resp)
{
    static Tiendo__TaskList list = TIENDO__TASK_LIST__INIT;
    static Tiendo__TaskInfo info = TIENDO__TASK_INFO__INIT, *infos[1] = {&info};
    static Tiendo__ActionTask task = TIENDO__ACTION_TASK__INIT;

    task.id = "KH-01";
    task.title = "Quy hoạch phân khu";
    task.owner = "Sở Xây dựng";
    task.deadline = "2026-06-30";
    task.has_status = 1;
    task.status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
    info.unit = "01";
    info.unit_name = "Hà Nội";
    info.province = "01";
    info.task = &task;
    info.state = "overdue";
    list.dataset = "nq06";
    list.as_of = "2026-12-31";
    list.has_completed_on_time = list.has_completed_late = 1;
    list.has_in_progress = list.has_overdue = 1;
    list.overdue = 1;
    list.n_tasks = 1;
    list.tasks = infos;
    resp->result_case = TIENDO__QUERY_RESPONSE__RESULT_TASKS;
    resp->tasks = &list;
}

static void *s_server_run(void *arg)
{
    s_server *srv = arg;
    uint8_t buf[4096], out[4096];
    zmq_pollitem_t item = {srv->sock, 0, ZMQ_POLLIN, 0};
    Tiendo__QueryRequest *req = NULL;
    Tiendo__QueryResponse resp = TIENDO__QUERY_RESPONSE__INIT;
    Tiendo__StatusSummary sum = TIENDO__STATUS_SUMMARY__INIT;
    size_t len = 0;
    int n;

    if (zmq_poll(&item, 1, 5000) <= 0)
        return NULL;
    n = zmq_recv(srv->sock, buf, sizeof buf, 0);
    if (n < 0 || td_query_request_decode(buf, (size_t) n, &req) != TD_OK)
        return NULL;
    srv->got_version = req->version;
    srv->got_case = (int) req->query_case;
    if (req->query_case == TIENDO__QUERY_REQUEST__QUERY_STATUS) {
        snprintf(srv->got_dataset, sizeof srv->got_dataset, "%s", req->status->dataset);
        snprintf(srv->got_period, sizeof srv->got_period, "%s", req->status->period);
    }
    if (req->query_case == TIENDO__QUERY_REQUEST__QUERY_TASKS) {
        const Tiendo__TasksQuery *q = req->tasks;
        snprintf(srv->got_dataset, sizeof srv->got_dataset, "%s", s_or_null(q->dataset));
        snprintf(srv->got_state, sizeof srv->got_state, "%s", s_or_null(q->state));
        snprintf(srv->got_province, sizeof srv->got_province, "%s", s_or_null(q->province));
        snprintf(srv->got_owner, sizeof srv->got_owner, "%s", s_or_null(q->owner));
        snprintf(srv->got_as_of, sizeof srv->got_as_of, "%s", s_or_null(q->as_of));
        srv->got_has_group = q->has_group;
        srv->got_group = q->group;
    }
    if (srv->answer) {
        resp.has_version = 1;
        resp.version = TD_PROTOCOL_VERSION;
        if (srv->error != NULL) {
            resp.has_error_code = 1;
            resp.error_code = 1;
            resp.error = (char *) srv->error;
            resp.error_format = (char *) srv->error_format;
            resp.n_error_args = srv->error_arg != NULL ? 1 : 0;
            resp.error_args = (char **) &srv->error_arg;
        } else if (req->query_case == TIENDO__QUERY_REQUEST__QUERY_TASKS) {
            s_task_list(&resp);
        } else {
            sum.dataset = srv->got_dataset;
            sum.period = srv->got_period;
            sum.has_units_expected = sum.has_units_reported = 1;
            sum.units_expected = 34;
            sum.units_reported = 12;
            resp.result_case = TIENDO__QUERY_RESPONSE__RESULT_STATUS;
            resp.status = &sum;
        }
        if (td_message_encode(&resp.base, out, sizeof out, &len) == TD_OK)
            zmq_send(srv->sock, out, len, 0);
    }
    td_query_request_free(&req);
    return NULL;
}

static void s_client_params(client_params *cp, const char *endpoint, const char *server_public,
                            int timeout_ms)
{
    memset(cp, 0, sizeof *cp);
    cp->endpoint = endpoint;
    memcpy(cp->server_public, server_public, TD_Z85_KEY_LEN + 1);
    ck_assert_int_eq(zmq_curve_keypair(cp->public_key, cp->secret), 0);
    cp->timeout_ms = timeout_ms;
}

static void s_status_request(Tiendo__QueryRequest *req, Tiendo__StatusQuery *sq)
{
    static const Tiendo__QueryRequest r_init = TIENDO__QUERY_REQUEST__INIT;
    static const Tiendo__StatusQuery s_init = TIENDO__STATUS_QUERY__INIT;
    *req = r_init;
    *sq = s_init;
    req->has_version = 1;
    req->version = TD_PROTOCOL_VERSION;
    sq->dataset = "nq06";
    sq->period = "2026-Q4";
    req->query_case = TIENDO__QUERY_REQUEST__QUERY_STATUS;
    req->status = sq;
}

START_TEST(client_round_trip_over_curve)
{
    char pub[TD_Z85_KEY_LEN + 1], sec[TD_Z85_KEY_LEN + 1], err[256] = "";
    s_server srv;
    pthread_t thread;
    client_params cp;
    Tiendo__QueryRequest req;
    Tiendo__StatusQuery sq;
    Tiendo__QueryResponse *resp = NULL;

    memset(&srv, 0, sizeof srv);
    srv.ctx = zmq_ctx_new();
    srv.answer = 1;
    ck_assert_int_eq(zmq_curve_keypair(pub, sec), 0);
    s_server_start(&srv, sec);
    ck_assert_int_eq(pthread_create(&thread, NULL, s_server_run, &srv), 0);
    s_client_params(&cp, srv.endpoint, pub, 5000);
    s_status_request(&req, &sq);
    ck_assert_int_eq(client_query(&cp, &req, &resp, err, sizeof err), TD_OK);
    pthread_join(thread, NULL);
    ck_assert_uint_eq(srv.got_version, TD_PROTOCOL_VERSION);
    ck_assert_int_eq(srv.got_case, TIENDO__QUERY_REQUEST__QUERY_STATUS);
    ck_assert_str_eq(srv.got_dataset, "nq06");
    ck_assert_str_eq(srv.got_period, "2026-Q4");
    ck_assert_ptr_nonnull(resp);
    ck_assert_int_eq(resp->error_code, 0);
    ck_assert_int_eq(resp->result_case, TIENDO__QUERY_RESPONSE__RESULT_STATUS);
    ck_assert_uint_eq(resp->status->units_reported, 12);
    ck_assert_str_eq(resp->status->period, "2026-Q4");
    td_query_response_free(&resp);
    zmq_close(srv.sock);
    zmq_ctx_term(srv.ctx);
}
END_TEST

START_TEST(client_names_a_wrong_server_key)
{
    char pub[TD_Z85_KEY_LEN + 1], sec[TD_Z85_KEY_LEN + 1], other_pub[TD_Z85_KEY_LEN + 1],
        other_sec[TD_Z85_KEY_LEN + 1], err[256] = "";
    s_server srv;
    pthread_t thread;
    client_params cp;
    Tiendo__QueryRequest req;
    Tiendo__StatusQuery sq;
    Tiendo__QueryResponse *resp = NULL;
    int64_t start, took;

    memset(&srv, 0, sizeof srv);
    srv.ctx = zmq_ctx_new();
    srv.answer = 1;
    ck_assert_int_eq(zmq_curve_keypair(pub, sec), 0);
    ck_assert_int_eq(zmq_curve_keypair(other_pub, other_sec), 0);
    s_server_start(&srv, sec);
    ck_assert_int_eq(pthread_create(&thread, NULL, s_server_run, &srv), 0);
    /* The client expects another collector: the handshake fails, and the client says so
     * at once instead of waiting out its timeout (3 s here). */
    s_client_params(&cp, srv.endpoint, other_pub, 3000);
    s_status_request(&req, &sq);
    start = td_mono_ms();
    ck_assert_int_eq(client_query(&cp, &req, &resp, err, sizeof err), TD_ERR_PERMISSION);
    took = td_mono_ms() - start;
    ck_assert_int_lt(took, 2000);
    ck_assert_msg(strstr(err, "collector-public-key") != NULL, "err: %s", err);
    ck_assert_ptr_null(resp);
    ck_assert_str_eq(srv.got_period, ""); /* the question never reached the server */
    zmq_close(srv.sock);
    zmq_ctx_term(srv.ctx); /* ends the server's poll with ETERM */
    pthread_join(thread, NULL);
}
END_TEST

START_TEST(client_times_out_when_nobody_listens)
{
    char pub[TD_Z85_KEY_LEN + 1], sec[TD_Z85_KEY_LEN + 1], endpoint[256], err[256] = "";
    size_t len = sizeof endpoint;
    void *ctx = zmq_ctx_new(), *sock = zmq_socket(ctx, ZMQ_REP);
    client_params cp;
    Tiendo__QueryRequest req;
    Tiendo__StatusQuery sq;
    Tiendo__QueryResponse *resp = NULL;
    int64_t start, took;

    /* Take a free port, then let it go: nothing listens there any more. */
    ck_assert_int_eq(zmq_bind(sock, "tcp://127.0.0.1:*"), 0);
    ck_assert_int_eq(zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, endpoint, &len), 0);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    ck_assert_int_eq(zmq_curve_keypair(pub, sec), 0);
    s_client_params(&cp, endpoint, pub, 300);
    s_status_request(&req, &sq);
    start = td_mono_ms();
    ck_assert_int_eq(client_query(&cp, &req, &resp, err, sizeof err), TD_ERR_TIMEOUT);
    took = td_mono_ms() - start;
    ck_assert_int_ge(took, 290);
    ck_assert_int_lt(took, 3000);

    s_client_params(&cp, "bogus://nowhere", pub, 300);
    ck_assert_int_eq(client_query(&cp, &req, &resp, err, sizeof err), TD_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err, "bogus://nowhere"));
}
END_TEST

/* A folder with a key pair for this workstation and one for the collector. */
static void s_keys(char *dir, size_t len, char *collector_secret)
{
    char path[512], err[256], pub[TD_Z85_KEY_LEN + 1];

    snprintf(dir, len, "%s", "/tmp/tiendo-test-cli.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/me", dir);
    ck_assert_msg(td_keys_generate(path, err, sizeof err) == TD_OK, "%s", err);
    snprintf(path, sizeof path, "%s/collector", dir);
    ck_assert_msg(td_keys_generate(path, err, sizeof err) == TD_OK, "%s", err);
    snprintf(path, sizeof path, "%s/collector.key", dir);
    ck_assert_msg(td_keys_load_secret(path, collector_secret, pub, err, sizeof err) == TD_OK, "%s",
                  err);
}

static void s_keys_remove(const char *dir)
{
    static const char *const files[] = {"me.key", "me.pub", "collector.key", "collector.pub",
                                        "out"};
    char path[512];

    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

START_TEST(status_command_asks_and_prints)
{
    char dir[64], sec[TD_Z85_KEY_LEN + 1], cpub[512], mykey[512], out[512], timeout[] = "3000";
    char *none[] = {NULL};
    char *argv[] = {
        "--json", "--period",     "2026-q4", "--query",      NULL,    "--collector-public-key",
        cpub,     "--secret-key", mykey,     "--timeout-ms", timeout, NULL};
    s_server srv;
    pthread_t thread;
    commands_run run;
    json_t *root;
    json_error_t jerr;
    int saved, fd, status;

    s_keys(dir, sizeof dir, sec);
    snprintf(cpub, sizeof cpub, "%s/collector.pub", dir);
    snprintf(mykey, sizeof mykey, "%s/me.key", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    memset(&srv, 0, sizeof srv);
    srv.ctx = zmq_ctx_new();
    srv.answer = 1;
    s_server_start(&srv, sec);
    argv[4] = srv.endpoint;
    s_run_parse(&run, 11, argv);
    ck_assert_int_eq(commands_check_config(&run), COMMANDS_EXIT_OK); /* asks nothing */
    run.check_config = 0;
    ck_assert_int_eq(pthread_create(&thread, NULL, s_server_run, &srv), 0);
    /* The handler builds its own question and prints its own answer on stdout. */
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    status = s_command("status")->run(&run, 0, none);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    pthread_join(thread, NULL);
    ck_assert_int_eq(status, COMMANDS_EXIT_OK);
    ck_assert_int_eq(srv.got_case, TIENDO__QUERY_REQUEST__QUERY_STATUS);
    ck_assert_uint_eq(srv.got_version, TD_PROTOCOL_VERSION);
    ck_assert_str_eq(srv.got_dataset, "nq06");
    ck_assert_str_eq(srv.got_period, "2026-Q4"); /* as typed, then canonical */
    root = json_load_file(out, 0, &jerr);
    ck_assert_msg(root != NULL, "%s", jerr.text);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "units_reported")), 12);
    ck_assert_str_eq(json_string_value(json_object_get(root, "period")), "2026-Q4");
    json_decref(root);
    s_run_free(&run);
    zmq_close(srv.sock);
    zmq_ctx_term(srv.ctx);

    /* Nobody answers any more: exit 3, the collector could not be reached. */
    strcpy(timeout, "300");
    s_run_parse(&run, 11, argv);
    ck_assert_int_eq(s_command("status")->run(&run, 0, none), COMMANDS_EXIT_UNREACHABLE);
    s_run_free(&run);
    s_keys_remove(dir);
}
END_TEST

/* What the status command writes on stderr when the collector answers srv's error. */
static char *s_error_said(s_server *srv, const char *dir, char **argv)
{
    char path[512], *text;
    char *none[] = {NULL};
    commands_run run;
    pthread_t thread;
    int saved, fd;
    FILE *f;
    long size;

    snprintf(path, sizeof path, "%s/out", dir);
    srv->answer = 1;
    s_server_start(srv, srv->secret);
    argv[4] = srv->endpoint;
    s_run_parse(&run, 11, argv);
    ck_assert_int_eq(pthread_create(&thread, NULL, s_server_run, srv), 0);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    dup2(fd, STDERR_FILENO);
    close(fd);
    ck_assert_int_eq(s_command("status")->run(&run, 0, none), COMMANDS_EXIT_ANSWER_ERROR);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    pthread_join(thread, NULL);
    s_run_free(&run);
    zmq_close(srv->sock);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    text = calloc((size_t) size + 1, 1);
    ck_assert_uint_eq(fread(text, 1, (size_t) size, f), (size_t) size);
    fclose(f);
    return text;
}

/* A failed query's reason comes in parts beside the English: tiendo shows it in the
 * reader's language when it knows the code, else the English; an older collector sends
 * no parts at all. */
START_TEST(collector_error_in_the_readers_language)
{
    static const char english[] = "'2026-X' is not a reporting period: write it as 2026-Q3 "
                                  "(quarter), 2026-M07 (month), 2026-H2 (half-year), 2026-9M "
                                  "(first nine months) or 2026 (year), with a year from 2000 to "
                                  "2100";
    char dir[64], sec[TD_Z85_KEY_LEN + 1], cpub[512], mykey[512], timeout[] = "3000";
    char *argv[] = {
        "--json", "--period",     "2026-Q4", "--query",      NULL,    "--collector-public-key",
        cpub,     "--secret-key", mykey,     "--timeout-ms", timeout, NULL};
    s_server srv;
    char *said;

    s_keys(dir, sizeof dir, sec);
    snprintf(cpub, sizeof cpub, "%s/collector.pub", dir);
    snprintf(mykey, sizeof mykey, "%s/me.key", dir);
    memset(&srv, 0, sizeof srv);
    memcpy(srv.secret, sec, sizeof srv.secret);
    srv.ctx = zmq_ctx_new();
    srv.error = english;
    srv.error_format = "'%.40s' is not a reporting period: write it as 2026-Q3 (quarter), "
                       "2026-M07 (month), 2026-H2 (half-year), 2026-9M (first nine months) or "
                       "2026 (year), with a year from 2000 to 2100";
    srv.error_arg = "2026-X";

    s_language(TD_LANG_VI);
    said = s_error_said(&srv, dir, argv);
    ck_assert_str_eq(said, "tiendo: máy chủ tổng hợp trả lời có lỗi: '2026-X' không phải là kỳ "
                           "báo cáo: hãy viết 2026-Q3 (quý), 2026-M07 (tháng), 2026-H2 (6 tháng), "
                           "2026-9M (9 tháng) hoặc 2026 (năm), với năm từ 2000 đến 2100\n");
    free(said);
    /* A code this tiendo does not know (a newer collector's): the English text. */
    srv.error = "the store is being restored";
    srv.error_format = "the store is being %s";
    srv.error_arg = "restored";
    said = s_error_said(&srv, dir, argv);
    ck_assert_str_eq(said,
                     "tiendo: máy chủ tổng hợp trả lời có lỗi: the store is being restored\n");
    free(said);
    /* An older collector: the English text alone. */
    srv.error = english;
    srv.error_format = NULL;
    srv.error_arg = NULL;
    said = s_error_said(&srv, dir, argv);
    ck_assert_str_eq(said, "tiendo: máy chủ tổng hợp trả lời có lỗi: '2026-X' is not a reporting "
                           "period: write it as 2026-Q3 (quarter), 2026-M07 (month), 2026-H2 "
                           "(half-year), 2026-9M (first nine months) or 2026 (year), with a year "
                           "from 2000 to 2100\n");
    free(said);
    s_language(TD_LANG_EN);
    srv.error_format = "'%.40s' is not a reporting period: write it as 2026-Q3 (quarter), "
                       "2026-M07 (month), 2026-H2 (half-year), 2026-9M (first nine months) or "
                       "2026 (year), with a year from 2000 to 2100";
    srv.error_arg = "2026-X";
    said = s_error_said(&srv, dir, argv);
    ck_assert_str_eq(said, "tiendo: the collector answered with an error: '2026-X' is not a "
                           "reporting period: write it as 2026-Q3 (quarter), 2026-M07 (month), "
                           "2026-H2 (half-year), 2026-9M (first nine months) or 2026 (year), with "
                           "a year from 2000 to 2100\n");
    free(said);
    zmq_ctx_term(srv.ctx);
    s_keys_remove(dir);
}
END_TEST

/* Parse argv as main does and check the options; returns the status of either step. */
static td_err s_tasks_options(int argc, char **argv, char *err, size_t errlen)
{
    options_t o;
    td_config_args args;
    td_err rc;

    memset(&o, 0, sizeof o);
    rc = td_config_parse(options_table, &o, argc, argv, &args, err, errlen);
    if (rc == TD_OK) {
        td_config_args_free(&args);
        rc = options_validate(&o, err, errlen);
    }
    td_config_free(options_table, &o);
    return rc;
}

START_TEST(tasks_options_are_checked)
{
    static const char *const envs[] = {"TIENDO_STATUS", "TIENDO_GROUP", "TIENDO_OWNER",
                                       "TIENDO_AS_OF", "TIENDO_PROVINCE"};
    char long_owner[202], err[512] = "";
    options_t o;
    td_config_args args;
    char *good[] = {"tasks",      "--status",     "overdue", "--group",
                    "2",          "--owner",      "nội vụ",  "--as-of",
                    "2026-12-31", "--province",   "01",      "--collector-public-key",
                    "c.pub",      "--secret-key", "me.key",  NULL};
    struct {
        const char *option, *value, *why; /* why: in the message */
        int at_parse;                     /* refused by the table, else by options_validate */
    } bad[] = {
        {"--status", "late", "completed_on_time, completed_late, in_progress or overdue", 0},
        {"--status", "in progress", "--status 'in progress'", 0},
        {"--status", "OVERDUE", "--status", 0},
        {"--group", "0", "between 1 and 6", 1},
        {"--group", "7", "between 1 and 6", 1},
        {"--group", "two", "group", 1},
        {"--owner", "", "1 to 200 bytes", 1},
        {"--owner", long_owner, "1 to 200 bytes", 1},
        {"--owner", "S\xE1 X\xE2y", "not valid UTF-8", 0},
        {"--as-of", "2026-02-30", "--as-of '2026-02-30'", 0},
        {"--as-of", "2026-13-01", "YYYY-MM-DD", 0},
        {"--as-of", "31/12/2026", "YYYY-MM-DD", 0},
        {"--as-of", "tomorrow", "--as-of", 0},
    };

    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++)
        unsetenv(envs[i]);
    memset(&o, 0, sizeof o);
    ck_assert_msg(td_config_parse(options_table, &o, 15, good, &args, err, sizeof err) == TD_OK,
                  "%s", err);
    td_config_args_free(&args);
    ck_assert_str_eq(o.status, "overdue");
    ck_assert_int_eq(o.group, 2);
    ck_assert_str_eq(o.owner, "nội vụ");
    ck_assert_str_eq(o.as_of, "2026-12-31");
    ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_OK);
    td_config_free(options_table, &o);
    /* Left out: every state, group and owner, today. */
    memset(&o, 0, sizeof o);
    ck_assert_int_eq(td_config_parse(options_table, &o, 1, good, &args, err, sizeof err), TD_OK);
    td_config_args_free(&args);
    ck_assert_ptr_null(o.status);
    ck_assert_int_eq(o.group, 0);
    ck_assert_ptr_null(o.owner);
    ck_assert_ptr_null(o.as_of);
    td_config_free(options_table, &o);
    /* Every state word, and a leap day, pass. */
    {
        static const char *const states[] = {"completed_on_time", "completed_late", "in_progress",
                                             "overdue"};
        char *argv[] = {
            "tasks", "--status",     NULL,     "--as-of", "2028-02-29", "--collector-public-key",
            "c.pub", "--secret-key", "me.key", NULL};
        for (size_t i = 0; i < 4; i++) {
            argv[2] = (char *) states[i];
            ck_assert_msg(s_tasks_options(9, argv, err, sizeof err) == TD_OK, "%s: %s", states[i],
                          err);
        }
    }

    memset(long_owner, 'a', 201);
    long_owner[201] = '\0';
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"tasks",
                        (char *) bad[i].option,
                        (char *) bad[i].value,
                        "--collector-public-key",
                        "c.pub",
                        "--secret-key",
                        "me.key",
                        NULL};
        err[0] = '\0';
        memset(&o, 0, sizeof o);
        td_err parsed = td_config_parse(options_table, &o, 7, argv, &args, err, sizeof err);
        if (parsed == TD_OK)
            td_config_args_free(&args);
        ck_assert_msg((parsed != TD_OK) == bad[i].at_parse, "%s %s: parse %d (%s)", bad[i].option,
                      bad[i].value, parsed, err);
        if (parsed == TD_OK)
            ck_assert_int_eq(options_validate(&o, err, sizeof err), TD_ERR_CONFIG);
        ck_assert_msg(strstr(err, bad[i].why) != NULL, "%s %s: '%s'", bad[i].option, bad[i].value,
                      err);
        td_config_free(options_table, &o);
    }
}
END_TEST

START_TEST(tasks_help_for_central_staff)
{
    s_mem m;

    s_mem_open(&m);
    commands_print_help(m.f, s_command("tasks"));
    s_mem_text(&m);
    ck_assert_msg(s_starts(m.buf, "Usage: tiendo tasks [--status STATE] [--province CODE] "
                                  "[--group N] [--owner TEXT]\n                    [--limit N] "
                                  "[--as-of YYYY-MM-DD] [--dataset DATASET] [--json] "
                                  "[OPTIONS]\n"),
                  "%s", m.buf);
    /* What each state means, in words. */
    ck_assert_ptr_nonnull(strstr(m.buf, "completed_on_time  completed on or before its deadline"));
    ck_assert_ptr_nonnull(strstr(m.buf, "completed_late     completed after its deadline"));
    ck_assert_ptr_nonnull(strstr(m.buf, "in_progress        not completed, and the deadline has "
                                        "not passed yet"));
    ck_assert_ptr_nonnull(strstr(m.buf, "overdue            not completed, and the deadline has "
                                        "passed"));
    ck_assert_ptr_nonnull(strstr(m.buf, "tiendo tasks --status overdue\n"));
    /* The options of the table, with their bounds. */
    ck_assert_ptr_nonnull(strstr(m.buf, "  --status TEXT "));
    ck_assert_ptr_nonnull(strstr(m.buf, "  --group N "));
    ck_assert_ptr_nonnull(strstr(m.buf, "(1..6, "));
    ck_assert_ptr_nonnull(strstr(m.buf, "  --owner TEXT "));
    ck_assert_ptr_nonnull(strstr(m.buf, "  --as-of TEXT "));
    free(m.buf);
}
END_TEST

/* Run cmd with run's options against srv (which answers once), stdout into the file out.
 * Returns the command's exit status. */
static int s_run_against(s_server *srv, commands_run *run, const char *cmd, const char *out)
{
    char *none[] = {NULL};
    pthread_t thread;
    int saved, fd, status;

    ck_assert_int_eq(pthread_create(&thread, NULL, s_server_run, srv), 0);
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    status = s_command(cmd)->run(run, 0, none);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    pthread_join(thread, NULL);
    return status;
}

START_TEST(tasks_command_asks_and_prints)
{
    char dir[64], sec[TD_Z85_KEY_LEN + 1], cpub[512], mykey[512], out[512];
    char *argv[] = {"--json",     "--status",
                    "overdue",    "--province",
                    "01",         "--group",
                    "2",          "--owner",
                    "Nội vụ",     "--as-of",
                    "2026-12-31", "--query",
                    NULL,         "--collector-public-key",
                    cpub,         "--secret-key",
                    mykey,        "--timeout-ms",
                    "3000",       NULL};
    char *plain[] = {"--query",      NULL,           "--collector-public-key",
                     cpub,           "--secret-key", mykey,
                     "--timeout-ms", "3000",         NULL};
    static const char *const envs[] = {"TIENDO_STATUS", "TIENDO_GROUP",    "TIENDO_OWNER",
                                       "TIENDO_AS_OF",  "TIENDO_PROVINCE", "TIENDO_JSON"};
    s_server srv;
    commands_run run;
    json_t *root, *task;
    json_error_t jerr;
    FILE *f;
    char text[4096];
    size_t len;

    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++)
        unsetenv(envs[i]);
    s_keys(dir, sizeof dir, sec);
    snprintf(cpub, sizeof cpub, "%s/collector.pub", dir);
    snprintf(mykey, sizeof mykey, "%s/me.key", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    memset(&srv, 0, sizeof srv);
    srv.ctx = zmq_ctx_new();
    srv.answer = 1;
    s_server_start(&srv, sec);
    argv[12] = srv.endpoint;
    plain[1] = srv.endpoint;

    /* Every filter goes into the question as typed; the answer prints as JSON. */
    s_run_parse(&run, 19, argv);
    ck_assert_int_eq(s_run_against(&srv, &run, "tasks", out), COMMANDS_EXIT_OK);
    s_run_free(&run);
    ck_assert_int_eq(srv.got_case, TIENDO__QUERY_REQUEST__QUERY_TASKS);
    ck_assert_uint_eq(srv.got_version, TD_PROTOCOL_VERSION);
    ck_assert_str_eq(srv.got_dataset, "nq06");
    ck_assert_str_eq(srv.got_state, "overdue");
    ck_assert_str_eq(srv.got_province, "01");
    ck_assert_int_eq(srv.got_has_group, 1);
    ck_assert_uint_eq(srv.got_group, 2);
    ck_assert_str_eq(srv.got_owner, "Nội vụ");
    ck_assert_str_eq(srv.got_as_of, "2026-12-31");
    root = json_load_file(out, 0, &jerr);
    ck_assert_msg(root != NULL, "%s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(root, "as_of")), "2026-12-31");
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(root, "counts"), "overdue")), 1);
    task = json_array_get(json_object_get(root, "tasks"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(task, "id")), "KH-01");
    ck_assert_str_eq(json_string_value(json_object_get(task, "state")), "overdue");
    json_decref(root);

    /* No filter: none is sent (the collector's defaults: everything, today); a table. */
    s_run_parse(&run, 8, plain);
    ck_assert_int_eq(s_run_against(&srv, &run, "tasks", out), COMMANDS_EXIT_OK);
    s_run_free(&run);
    ck_assert_str_eq(srv.got_state, "(null)");
    ck_assert_str_eq(srv.got_province, "(null)");
    ck_assert_int_eq(srv.got_has_group, 0);
    ck_assert_str_eq(srv.got_owner, "(null)");
    ck_assert_str_eq(srv.got_as_of, "(null)");
    f = fopen(out, "r");
    ck_assert_ptr_nonnull(f);
    len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    ck_assert_msg(strstr(text, "KH-01") != NULL && strstr(text, "overdue") != NULL, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "01 Hà Nội"));

    /* A bad filter is refused before anything is asked (the server is not listening). */
    argv[2] = "late";
    s_run_parse(&run, 19, argv);
    ck_assert_int_eq(s_command("tasks")->run(&run, 0, (char *[]){NULL}), COMMANDS_EXIT_USAGE);
    s_run_free(&run);
    zmq_close(srv.sock);
    zmq_ctx_term(srv.ctx);
    s_keys_remove(dir);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *options = tcase_create("options");
    TCase *client = tcase_create("client");

    tcase_add_test(options, new_commands_and_options);
    tcase_add_test(options, command_table_rows_are_complete);
    tcase_add_test(options, help_as_today_from_the_table);
    tcase_add_test(options, commands_refuse_bad_operands_and_options);
    tcase_add_test(options, period_default_is_current_quarter);
    tcase_add_test(options, bad_period_names_accepted_forms);
    tcase_add_test(options, options_table_and_checks);
    tcase_add_test(options, configuration_file_order);
    tcase_add_test(options, keygen_makes_the_workstations_keys);
    tcase_add_test(options, color_only_on_terminals);
    tcase_add_test(options, timeout_text);
    tcase_add_test(options, messages_and_help_in_vietnamese);
    tcase_add_test(options, tasks_options_are_checked);
    tcase_add_test(options, tasks_help_for_central_staff);
    tcase_set_timeout(client, 20);
    tcase_add_test(client, client_round_trip_over_curve);
    tcase_add_test(client, status_command_asks_and_prints);
    tcase_add_test(client, collector_error_in_the_readers_language);
    tcase_add_test(client, tasks_command_asks_and_prints);
    tcase_add_test(client, client_names_a_wrong_server_key);
    tcase_add_test(client, client_times_out_when_nobody_listens);
    suite_add_tcase(s, options);
    suite_add_tcase(s, client);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
