/* reason.h: a message that can be shown in the reader's language: its English printf
 * format (the gettext msgid and its stable code) with each argument kept as text. */
#ifndef TIENDO_REASON_H
#define TIENDO_REASON_H

#include <stdarg.h>
#include <stddef.h>

#define TD_REASON_ARGS     8   /* conversions one message may hold */
#define TD_REASON_ARG_MAX  256 /* bytes of one argument's text */
#define TD_REASON_TEXT_MAX 1024

/* Why a report or an envelope was refused. `format` points to a string literal of the
 * code (a format marked N_(...) so xgettext collects it): it is the msgid and, sent in an
 * Ack (docs/protocol.md, "Reasons"), the stable code the office translates at reading.
 * `text` is the English message as printf would make it. A plain struct: copy freely. */
typedef struct {
    const char *format;
    int nargs;
    char args[TD_REASON_ARGS][TD_REASON_ARG_MAX];
    char text[TD_REASON_TEXT_MAX];
} td_reason;

/* Set r from fmt (a literal) and its arguments, as printf would. Conversions: d i u x X
 * o c s f g e p with flags, width, precision ('*' too) and length modifiers; "%%". An
 * argument past TD_REASON_ARGS is kept in text only. r may be NULL (nothing happens).
 * "%.0s" is an argument for translations only: printf and the English text leave it out,
 * r keeps it whole, and a translation shows it with "%N$s" (e.g. "task_groups[%s%.0s]"
 * with "2" and "3": the English path counts from 0, the Vietnamese says "nhóm nhiệm vụ
 * 3"). */
void td_reason_set(td_reason *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same with a va_list (for functions that take a format of their own). */
void td_reason_vset(td_reason *r, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Empty r (format NULL, text ""). */
void td_reason_clear(td_reason *r);

/* r with its format translated into the current language (dgettext) and the arguments put
 * back in the translation's order ("%2$s" takes the second; a string's precision is
 * kept, so "%.0s" shows nothing): the text for people. An untranslated format gives
 * r->text. Writes buf (a NUL-terminated text) and returns it. */
char *td_reason_render(const td_reason *r, char *buf, size_t len);

/* The same from the parts an Ack carries: the format code, its arguments, and the English
 * text to fall back on when the code is unknown here or does not match the arguments. */
char *td_reason_render_parts(const char *format, const char *const *args, size_t nargs,
                             const char *english, char *buf, size_t len);

/* The last message td_msg or td_fail wrote on this thread, in parts: its English format
 * and arguments (format NULL before the first). The collector sends a failed query's
 * reason this way (QueryResponse.error_format, error_args). Valid until the next. */
const td_reason *td_reason_last(void);

#endif
