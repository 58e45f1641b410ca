/* fuzz_period.c: libFuzzer harness for period and date parsing and the period arithmetic. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "period.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[65];
    size_t n = size < 64 ? size : 64;
    memcpy(text, data, n);
    text[n] = '\0';

    td_period p;
    if (td_period_parse(text, &p) == TD_OK) {
        char buf[TD_PERIOD_TEXT_MAX];
        td_period_format(&p, buf, sizeof buf);
        /* Parsing is exact, so the canonical text is the input up to its NUL. */
        if (strcmp(buf, text) != 0) {
            abort();
        }
        td_date first, last, from, to;
        td_period_span(&p, &first, &last);
        td_period_cutoff(&p, &from, &to);
        if (td_date_compare(&first, &last) > 0) {
            abort();
        }
        for (int day = 1; day <= 28; day += 9) {
            td_date d = td_period_deadline(&p, day);
            (void) td_date_to_unix(&d);
        }
    }

    td_date d;
    if (td_date_parse(text, &d) == TD_OK) {
        char buf[11];
        td_date_format(&d, buf, sizeof buf);
        if (strcmp(buf, text) != 0) {
            abort();
        }
    }
    return 0;
}
