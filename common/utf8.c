/* utf8.c: RFC 3629 decoding; every validation and cut in tiendo goes through here. */
#include "utf8.h"

#include <string.h>

size_t td_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *) s;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need;
    uint32_t value;

    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    /* The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and
     * values over U+10FFFF (F4): RFC 3629's table. */
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        need = 1;
        value = p[0] & 0x1Fu;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        need = 2;
        value = p[0] & 0x0Fu;
        if (p[0] == 0xE0)
            lo = 0xA0;
        if (p[0] == 0xED)
            hi = 0x9F;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        need = 3;
        value = p[0] & 0x07u;
        if (p[0] == 0xF0)
            lo = 0x90;
        if (p[0] == 0xF4)
            hi = 0x8F;
    } else {
        *cp = TD_UTF8_INVALID;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= len || p[i] < lo || p[i] > hi) {
            /* The maximal subpart seen so far is one invalid character. */
            *cp = TD_UTF8_INVALID;
            return i;
        }
        value = (value << 6) | (p[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = value;
    return need + 1;
}

int td_utf8_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += td_utf8_decode(s + i, len - i, &cp);
        if (cp == TD_UTF8_INVALID)
            return 0;
    }
    return 1;
}

int td_utf8_valid_text(const char *text)
{
    return text != NULL && td_utf8_valid(text, strlen(text));
}

size_t td_utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    len = max;
    while (len > 0 && ((unsigned char) s[len] & 0xC0u) == 0x80u)
        len--;
    return len;
}
