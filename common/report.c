/* report.c: what the report modules share: quoting a value for a message, the task status
 * words, freeing a report. */
#include "report.h"

#include <string.h>

#include "utf8.h"

static const char *const s_status_names[] = {
    [TIENDO__TASK_STATUS__TASK_NOT_STARTED] = "not_started",
    [TIENDO__TASK_STATUS__TASK_IN_PROGRESS] = "in_progress",
    [TIENDO__TASK_STATUS__TASK_COMPLETED] = "completed",
};

const char *td_task_status_name(Tiendo__TaskStatus status)
{
    if (status < TIENDO__TASK_STATUS__TASK_NOT_STARTED ||
        status > TIENDO__TASK_STATUS__TASK_COMPLETED)
        return NULL;
    return s_status_names[status];
}

int td_task_status_parse(const char *text, Tiendo__TaskStatus *out)
{
    for (int i = TIENDO__TASK_STATUS__TASK_NOT_STARTED;
         text != NULL && i <= TIENDO__TASK_STATUS__TASK_COMPLETED; i++) {
        if (strcmp(text, s_status_names[i]) == 0) {
            *out = (Tiendo__TaskStatus) i;
            return 0;
        }
    }
    return -1;
}

/* A bounded, printable copy of a value for an error message: the text may come from
 * a hostile peer, so control bytes (and every non-ASCII byte of invalid UTF-8)
 * become '?', and long text is cut on a character boundary with "...". */
const char *td_report_quote(char *dst, size_t dstlen, const char *src, size_t srclen)
{
    int utf8 = td_utf8_valid(src, srclen);
    size_t o = 0;

    for (size_t i = 0; i < srclen && o + 4 < dstlen; i++) {
        unsigned char c = (unsigned char) src[i];

        if (i >= TD_REPORT_QUOTE_MAX && (c & 0xc0) != 0x80) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
            c = '?';
        dst[o++] = (char) c;
    }
    dst[o] = '\0';
    return dst;
}

void td_report_free(Tiendo__Report **report)
{
    if (report == NULL || *report == NULL)
        return;
    tiendo__report__free_unpacked(*report, NULL);
    *report = NULL;
}
