/* i18n.c: choosing the language, binding the gettext catalogue, and human number and date
 * forms that do not depend on the C library's locale (so JSON and CSV never see a comma). */
#include "i18n.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef TIENDO_LOCALE_DIR
#define TIENDO_LOCALE_DIR "/usr/share/locale"
#endif
#ifndef TIENDO_BUILD_LOCALE_DIR
#define TIENDO_BUILD_LOCALE_DIR ""
#endif

static td_lang s_lang = TD_LANG_EN;

const char *td_tr(const char *msgid)
{
    return msgid != NULL && msgid[0] != '\0' ? _(msgid) : "";
}

int td_i18n_resolve(const char *option, td_lang *out)
{
    if (option != NULL && option[0] != '\0') {
        if (strcmp(option, "vi") == 0)
            *out = TD_LANG_VI;
        else if (strcmp(option, "en") == 0)
            *out = TD_LANG_EN;
        else
            return -1;
        return 0;
    }
    static const char *const vars[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};
    *out = TD_LANG_EN;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v == NULL || v[0] == '\0')
            continue;
        /* LANGUAGE may list several ("vi:en"): the first one is preferred */
        *out = strncmp(v, "vi", 2) == 0 ? TD_LANG_VI : TD_LANG_EN;
        return 0;
    }
    return 0;
}

static int s_has_catalogue(const char *dir)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/vi/LC_MESSAGES/%s.mo", dir, TD_TEXT_DOMAIN);
    return dir[0] != '\0' && stat(path, &st) == 0;
}

void td_i18n_init(td_lang lang)
{
    s_lang = lang;
    const char *dir = getenv("TIENDO_LOCALEDIR");
    if (dir == NULL || dir[0] == '\0')
        dir =
            s_has_catalogue(TIENDO_BUILD_LOCALE_DIR) ? TIENDO_BUILD_LOCALE_DIR : TIENDO_LOCALE_DIR;
    /* gettext ignores LANGUAGE under the "C" locale; C.UTF-8 is always there on Debian and
     * is not "C", so the catalogue is used even where vi_VN.UTF-8 was never generated. */
    if (setlocale(LC_MESSAGES, "C.UTF-8") == NULL)
        setlocale(LC_MESSAGES, "");
    setlocale(LC_CTYPE, "C.UTF-8");
    setenv("LANGUAGE", lang == TD_LANG_VI ? "vi" : "en", 1);
    bindtextdomain(TD_TEXT_DOMAIN, dir);
    bind_textdomain_codeset(TD_TEXT_DOMAIN, "UTF-8");
    /* textdomain tells gettext that catalogues may have changed (it drops what it had
     * looked up), so a program may switch language, e.g. for a document in another. */
    textdomain(TD_TEXT_DOMAIN);
}

const char *td_i18n_arg(int argc, char *const *argv)
{
    const char *found = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            found = argv[++i];
        else if (strncmp(argv[i], "--lang=", 7) == 0)
            found = argv[i] + 7;
    }
    return found;
}

int td_i18n_start(const char *option)
{
    td_lang lang;
    int rc = td_i18n_resolve(option, &lang);
    if (rc != 0)
        td_i18n_resolve(NULL, &lang);
    td_i18n_init(lang);
    return rc;
}

td_lang td_i18n_lang(void)
{
    return s_lang;
}

char *td_fmt_number_in(td_lang lang, double v, int decimals, char *buf, size_t len)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "—");
        return buf;
    }
    char plain[64];
    if (decimals < 0)
        decimals = 0;
    if (decimals > 15)
        decimals = 15;
    snprintf(plain, sizeof plain, "%.*f", decimals, v); /* LC_NUMERIC is never set: '.' */
    if (strcmp(plain, "-0") == 0 ||
        (plain[0] == '-' && strspn(plain + 1, "0.") == strlen(plain + 1)))
        memmove(plain, plain + 1, strlen(plain)); /* no "-0,0" */
    char group = lang == TD_LANG_VI ? '.' : ',';
    char point = lang == TD_LANG_VI ? ',' : '.';
    const char *start = plain[0] == '-' ? plain + 1 : plain;
    const char *dot = strchr(start, '.');
    size_t intlen = dot != NULL ? (size_t) (dot - start) : strlen(start);
    size_t o = 0;
    if (plain[0] == '-' && o + 1 < len)
        buf[o++] = '-';
    for (size_t i = 0; i < intlen && o + 1 < len; i++) {
        if (i > 0 && (intlen - i) % 3 == 0 && o + 1 < len)
            buf[o++] = group;
        if (o + 1 < len)
            buf[o++] = start[i];
    }
    if (dot != NULL && o + 1 < len) {
        buf[o++] = point;
        for (const char *p = dot + 1; *p != '\0' && o + 1 < len; p++)
            buf[o++] = *p;
    }
    if (len > 0)
        buf[o < len ? o : len - 1] = '\0';
    return buf;
}

char *td_fmt_number(double v, int decimals, char *buf, size_t len)
{
    return td_fmt_number_in(s_lang, v, decimals, buf, len);
}

char *td_fmt_count(uint64_t n, char *buf, size_t len)
{
    return td_fmt_number_in(s_lang, (double) n, 0, buf, len);
}

char *td_fmt_percent(double v, char *buf, size_t len)
{
    char num[48];
    if (!isfinite(v))
        snprintf(buf, len, "—");
    else
        snprintf(buf, len, "%s %%", td_fmt_number_in(s_lang, v, 1, num, sizeof num));
    return buf;
}

char *td_fmt_date_in(td_lang lang, const td_date *d, char *buf, size_t len)
{
    if (d == NULL || !td_date_is_set(d))
        snprintf(buf, len, "—");
    else if (lang == TD_LANG_VI)
        snprintf(buf, len, "%02d/%02d/%04d", d->day, d->month, d->year);
    else
        snprintf(buf, len, "%04d-%02d-%02d", d->year, d->month, d->day);
    return buf;
}

char *td_fmt_date(const td_date *d, char *buf, size_t len)
{
    return td_fmt_date_in(s_lang, d, buf, len);
}

char *td_fmt_time(int64_t unix_ms, char *buf, size_t len)
{
    time_t t = (time_t) (unix_ms / 1000);
    struct tm tm;
    if (unix_ms <= 0 || localtime_r(&t, &tm) == NULL) {
        snprintf(buf, len, "—");
        return buf;
    }
    td_date d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    char date[16];
    snprintf(buf, len, "%s %02d:%02d", td_fmt_date(&d, date, sizeof date), tm.tm_hour, tm.tm_min);
    return buf;
}
