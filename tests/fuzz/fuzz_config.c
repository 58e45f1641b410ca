/* fuzz_config.c: libFuzzer harness for the --config file parser (string, int, bool rows). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    char *name;
    long long port;
    int verbose;
    char *data_dir;
} s_target;

static const td_config_option s_table[] = {
    {"name", TD_OPT_STRING, offsetof(s_target, name), "agent", 0, 64, "a short string"},
    {"port", TD_OPT_INT, offsetof(s_target, port), "5555", 1, 65535, "an int with bounds"},
    {"verbose", TD_OPT_BOOL, offsetof(s_target, verbose), "false", 0, 1, "a bool"},
    {"data-dir", TD_OPT_STRING, offsetof(s_target, data_dir), NULL, 0, 0, "default max length"},
    {NULL, TD_OPT_STRING, 0, NULL, 0, 0, NULL},
};

static char s_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    snprintf(s_path, sizeof s_path, "/tmp/tiendo-fuzz-config-%ld.conf", (long) getpid());
    /* Environment variables would override the file; keep them out of the way. */
    unsetenv("TIENDO_NAME");
    unsetenv("TIENDO_PORT");
    unsetenv("TIENDO_VERBOSE");
    unsetenv("TIENDO_DATA_DIR");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(s_path, "wb");
    if (f == NULL) {
        return 0;
    }
    if (size > 0 && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return 0;
    }
    fclose(f);

    char *argv[] = {"--config", s_path, NULL};
    s_target t;
    memset(&t, 0, sizeof t);
    td_config_args args;
    char err[512];
    if (td_config_parse(s_table, &t, 2, argv, &args, err, sizeof err) == TD_OK) {
        if (t.port < 1 || t.port > 65535 || (t.verbose != 0 && t.verbose != 1) ||
            (t.name != NULL && strlen(t.name) > 64)) {
            abort(); /* accepted values must respect the table's bounds */
        }
    }
    td_config_free(s_table, &t);
    return 0;
}
