/* timefmt.h: times and durations as text, for people and for JSON (the one rule of each). */
#ifndef TIENDO_TIMEFMT_H
#define TIENDO_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Every function writes a NUL-terminated text into buf (32 bytes hold any of them) and
 * returns buf. Pure apart from the local time zone and, for the durations, ages and
 * offsets (texts for people), the language of common/i18n.h: "3 h 5 min" is "3 giờ
 * 5 phút" in Vietnamese; thread-safe. */

/* The JSON rule (docs/cli-json.md, docs/agent.md): RFC 3339 in UTC with milliseconds,
 * "2026-11-29T09:40:00.123Z", for every timestamp any tiendo program prints as JSON. */
char *td_time_rfc3339(int64_t unix_ms, char *buf, size_t len);

/* For people: local time to the minute, "2026-11-29 16:40"; "-" when unix_ms <= 0. */
char *td_time_local(int64_t unix_ms, char *buf, size_t len);

/* A duration for people, two units at most: "850 ms", "45 s", "12 min", "3 h 5 min",
 * "2 d 4 h" (negative counts as 0). */
char *td_duration_text(int64_t ms, char *buf, size_t len);

/* An age: "3 s ago", "12 min ago", "3 h 5 min ago"; "0 s ago" under a second or in the
 * future (clock differences); "never" when then_ms <= 0. */
char *td_age_text(int64_t now_ms, int64_t then_ms, char *buf, size_t len);

/* A signed offset (clock skew): "+120 ms", "-3.4 s", "+5 min", "+2 h"; "0 ms" for zero. */
char *td_offset_text(int64_t ms, char *buf, size_t len);

#endif
