/* utf8.h: the one UTF-8 decoder of tiendo: validation, code points, cutting on boundaries. */
#ifndef TIENDO_UTF8_H
#define TIENDO_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* What td_utf8_decode yields for an ill-formed sequence: above U+10FFFF, so it never
 * collides with a real character (a printer shows it as U+FFFD). */
#define TD_UTF8_INVALID     0xFFFFFFFFu
#define TD_UTF8_REPLACEMENT 0xFFFDu /* U+FFFD, what printers show for TD_UTF8_INVALID */

/* Decode one code point from the len > 0 bytes at s (RFC 3629: no overlong forms, no
 * surrogates, nothing over U+10FFFF). Returns the bytes consumed (1..4) and sets *cp. An
 * ill-formed sequence (or one cut short by len) yields TD_UTF8_INVALID and consumes its
 * maximal invalid subpart (at least one byte), so a caller that loops always advances.
 * Pure and thread-safe, like everything in this module. */
size_t td_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* 1 when the len bytes at s are well-formed UTF-8 (NUL bytes count as characters), else 0. */
int td_utf8_valid(const char *s, size_t len);

/* td_utf8_valid over a NUL-terminated text; NULL is not valid. */
int td_utf8_valid_text(const char *text);

/* The longest prefix of the len bytes at s that is at most max bytes and does not end
 * inside a multi-byte sequence (returns len when len <= max). */
size_t td_utf8_cut(const char *s, size_t len, size_t max);

#endif
