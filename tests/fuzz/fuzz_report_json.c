/* fuzz_report_json.c: libFuzzer harness for the JSON report parser, validator and writer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "registry.h"
#include "report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static td_registry_t *s_reg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    char err[256];
    if (td_registry_open(&s_reg, TIENDO_SOURCE_DIR "/data", err, sizeof err) != TD_OK) {
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Tiendo__Report *report = NULL;
    char err[512];
    if (td_report_from_json((const char *) data, size, &report, err, sizeof err) != TD_OK) {
        return 0;
    }
    char reason[512];
    (void) td_report_validate(report, s_reg, reason, sizeof reason);
    char *json = td_report_to_json(report);
    if (json != NULL) {
        /* What the writer produces must parse again. */
        Tiendo__Report *again = NULL;
        size_t n = 0;
        while (json[n] != '\0') {
            n++;
        }
        if (td_report_from_json(json, n, &again, err, sizeof err) != TD_OK) {
            abort();
        }
        td_report_free(&again);
    }
    free(json);
    td_report_free(&report);
    return 0;
}
