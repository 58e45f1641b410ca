/* fuzz_envelope.c: libFuzzer harness for envelope decoding, report lookup and validation. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "codec.h"
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
        abort(); /* the harness cannot run without the registry */
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Tiendo__Envelope *env = NULL;
    if (td_envelope_decode(data, size, &env) == TD_OK) {
        if (env->body_case == TIENDO__ENVELOPE__BODY_REPORT && env->report != NULL) {
            char reason[512];
            (void) td_report_validate(env->report, s_reg, reason, sizeof reason);
        }
        td_envelope_free(&env);
    }

    const uint8_t *report = NULL;
    size_t report_len = 0;
    if (td_envelope_report_bytes(data, size, &report, &report_len) == TD_OK) {
        if (report_len > size || report < data || report + report_len > data + size) {
            abort(); /* the report bytes must lie inside the input */
        }
    }
    return 0;
}
