/* i18n.h: the language people read (Vietnamese or English), translated texts (GNU gettext)
 * and numbers and dates for humans in that language. Machine output never uses this. */
#ifndef TIENDO_I18N_H
#define TIENDO_I18N_H

#include <libintl.h>
#include <stddef.h>
#include <stdint.h>

#include "period.h"

#define TD_TEXT_DOMAIN "tiendo"

/* A text to translate: English in the code, Vietnamese from po/vi.po. N_ marks a text
 * translated later (tables of static strings). */
#define _(text)  dgettext(TD_TEXT_DOMAIN, text)
#define N_(text) text
/* Singular/plural: "%u report" / "%u reports" (Vietnamese has one form). */
#define P_(one, many, n) dngettext(TD_TEXT_DOMAIN, one, many, (unsigned long) (n))

/* _(msgid) for a text kept in a table (marked N_ there): "" for NULL or "" (gettext gives
 * its catalogue's header for ""). */
const char *td_tr(const char *msgid);

typedef enum {
    TD_LANG_EN,
    TD_LANG_VI,
} td_lang;

/* The language for people, in this order: `option` ("vi", "en"; from --lang or `lang =`
 * in a configuration file), then the environment as gettext reads it (LANGUAGE, LC_ALL,
 * LC_MESSAGES, LANG: the first one set and not empty decides; a value starting with "vi"
 * is Vietnamese), else English. 0 with *out, or -1 when option is neither "vi" nor "en"
 * (nor NULL or ""). Pure: reads getenv only. */
int td_i18n_resolve(const char *option, td_lang *out);

/* Make texts come out in lang: binds the "tiendo" catalogue from the locale folder
 * (TIENDO_LOCALEDIR when set, else the build tree's when it holds one, else the
 * installed one) and points gettext at it without needing the system to have the
 * vi_VN locale installed (LC_MESSAGES is set to C.UTF-8 and LANGUAGE to the language;
 * LC_NUMERIC and LC_TIME are never changed, so printf and JSON keep "." as the decimal
 * point). Call once, early, from the main thread. */
void td_i18n_init(td_lang lang);

/* The value of --lang on a command line ("--lang vi" or "--lang=vi"; the last one wins),
 * NULL when there is none: a program starts in it, so even the errors of parsing the rest
 * of the line are in the reader's language. */
const char *td_i18n_arg(int argc, char *const *argv);

/* td_i18n_resolve(option), then td_i18n_init. 0, or -1 when option is neither "vi" nor
 * "en" (the language then comes from the environment). Called at start with
 * td_i18n_arg's value and again with the `lang` option once the configuration file is
 * read (docs/cli.md, "Language"). */
int td_i18n_start(const char *option);

/* The language td_i18n_init chose (English before it is called). */
td_lang td_i18n_lang(void);

/* ---- numbers and dates for people (every function writes buf and returns it) ---- */

/* A number with `decimals` digits after the point, grouped by thousands:
 * Vietnamese "1.234.567,5", English "1,234,567.5". NaN or infinity gives "—". */
char *td_fmt_number(double v, int decimals, char *buf, size_t len);
/* A count: "1.007" / "1,007". */
char *td_fmt_count(uint64_t n, char *buf, size_t len);
/* A percentage to one decimal with a space before the sign: "57,5 %" / "57.5 %". */
char *td_fmt_percent(double v, char *buf, size_t len);
/* A date: "25/12/2026" / "2026-12-25"; "—" for an unset date. */
char *td_fmt_date(const td_date *d, char *buf, size_t len);
/* A moment in local time to the minute: "25/12/2026 16:40" / "2026-12-25 16:40"; "—" for
 * unix_ms <= 0. */
char *td_fmt_time(int64_t unix_ms, char *buf, size_t len);

/* The same with the language given, for tests and for documents made in another language
 * than the messages (a report asked for with --lang). */
char *td_fmt_number_in(td_lang lang, double v, int decimals, char *buf, size_t len);
char *td_fmt_date_in(td_lang lang, const td_date *d, char *buf, size_t len);

#endif
