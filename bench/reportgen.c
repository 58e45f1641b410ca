/* reportgen.c: tiendo-reportgen prints a plausible, seeded progress report for a unit and period.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "period.h"
#include "registry.h"
#include "report.h"

/* The model: everything about a unit (population, land, urban areas, how fast each
 * task group moves, its action plan) comes from a generator seeded by a hash of
 * (unit code, seed), so the same unit always looks the same; what depends on the
 * period comes from the period's position between Resolution 06 (January 2022) and
 * its 2030 horizon, plus a little noise seeded by (unit, seed, period, revision).
 * Parts never exceed their wholes, so every indicator ratio stays within 0..100%. */

#define S_START_YEAR 2022 /* Resolution 06-NQ/TW, 24 January 2022 */
#define S_SPAN_YEARS 9.0  /* to the end of 2030 */

typedef struct {
    uint64_t state;
} s_rng;

/* splitmix64: tiny, well mixed, and the same on every platform. */
static uint64_t s_rng_next(s_rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double s_uniform(s_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * ((double) (s_rng_next(r) >> 11) / 9007199254740992.0);
}

/* FNV-1a over the text, folded with the seed. */
static uint64_t s_hash(const char *text, uint64_t seed)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;
    s_rng mix;

    for (const unsigned char *p = (const unsigned char *) text; *p != '\0'; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    mix.state = h;
    return s_rng_next(&mix);
}

/* The model avoids libm (the targets that build it do not link -lm). */

/* v (non-negative, < 2^53) rounded to the nearest integer. */
static double s_whole(double v)
{
    return (double) (long long) (v + 0.5);
}

/* v rounded to a multiple of step (1/step an integer): k / 10 is the double nearest to
 * the decimal, so 1234.5 prints as 1234.5 and not 1234.5000000000002. */
static double s_round(double v, double step)
{
    return s_whole(v / step) / (1 / step);
}

/* (1 + rate)^years, compounding whole years and interpolating the last part. */
static double s_compound(double rate, double years)
{
    double f = 1;
    int whole = (int) years;

    for (int i = 0; i < whole; i++)
        f *= 1 + rate;
    return f * (1 + rate * (years - whole));
}

static double s_max(double a, double b)
{
    return a > b ? a : b;
}

static double s_min(double a, double b)
{
    return a < b ? a : b;
}

static double s_clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Every data element the catalogue uses today (data/indicators.csv). */
enum {
    S_TOTAL_POPULATION,
    S_URBAN_POPULATION,
    S_NATURAL_LAND,
    S_URBAN_LAND,
    S_TRANSPORT_LAND,
    S_URBAN_AREAS,
    S_CLASS3,
    S_CLASS3_MEETING,
    S_WITH_PLANS,
    S_WITH_RENEWAL,
    S_GREEN,
    S_HOUSING,
    S_HOUSEHOLDS,
    S_HOUSEHOLDS_FIBRE,
    S_ADULTS,
    S_ADULTS_EPAYMENT,
    S_GRDP,
    S_URBAN_GRDP,
    S_DIGITAL_GRDP,
    S_ELEMENTS
};

static const char *const s_element_names[S_ELEMENTS] = {
    [S_TOTAL_POPULATION] = "total_population",
    [S_URBAN_POPULATION] = "urban_population",
    [S_NATURAL_LAND] = "natural_land_ha",
    [S_URBAN_LAND] = "urban_construction_land_ha",
    [S_TRANSPORT_LAND] = "urban_transport_land_ha",
    [S_URBAN_AREAS] = "urban_areas",
    [S_CLASS3] = "urban_areas_class3plus",
    [S_CLASS3_MEETING] = "urban_areas_class3plus_meeting_criteria",
    [S_WITH_PLANS] = "urban_areas_with_plans",
    [S_WITH_RENEWAL] = "urban_areas_with_renewal_programme",
    [S_GREEN] = "urban_public_green_m2",
    [S_HOUSING] = "urban_housing_floor_m2",
    [S_HOUSEHOLDS] = "urban_households",
    [S_HOUSEHOLDS_FIBRE] = "urban_households_fibre",
    [S_ADULTS] = "urban_adults",
    [S_ADULTS_EPAYMENT] = "urban_adults_epayment",
    [S_GRDP] = "grdp_bn_vnd",
    [S_URBAN_GRDP] = "urban_grdp_bn_vnd",
    [S_DIGITAL_GRDP] = "digital_economy_grdp_bn_vnd",
};

/* The unit's data elements after `years` since January 2022. */
static void s_model_values(s_rng *unit, s_rng *noise, double years, double *v)
{
    /* skewed towards the smaller provinces, as the country is */
    double spread = s_uniform(unit, 0, 1);
    double population = 0.3e6 + (9e6 - 0.3e6) * spread * spread;
    double growth = s_uniform(unit, 0.005, 0.02);
    double share = s_uniform(unit, 0.20, 0.78) + s_uniform(unit, 0.002, 0.008) * years;
    double urban_land_share = s_uniform(unit, 0.006, 0.035) * (1 + 0.03 * years);
    double per_million = s_uniform(unit, 5, 12);
    double class3 = s_uniform(unit, 0.08, 0.30);
    double meeting = s_uniform(unit, 0.35, 0.80) + 0.05 * years;
    double planned = s_uniform(unit, 0.55, 0.95) + 0.04 * years;
    double renewal = s_uniform(unit, 0.10, 0.50) + 0.06 * years;
    double transport = s_uniform(unit, 0.08, 0.20) + 0.004 * years;
    double green = s_uniform(unit, 4, 10) + 0.15 * years;
    double housing = s_uniform(unit, 25, 31) + 0.4 * years; /* at most about 35 m2 in 2030 */
    double household_size = s_uniform(unit, 3.2, 3.8);
    double fibre = s_uniform(unit, 0.60, 0.85) + 0.02 * years;
    double adults = s_uniform(unit, 0.68, 0.76);
    double epayment = s_uniform(unit, 0.45, 0.75) + 0.04 * years;
    double grdp_per_person = s_uniform(unit, 50, 180) * s_compound(0.06, years); /* million VND */
    double urban_economy = s_uniform(unit, 0.50, 0.85);
    double digital = s_uniform(unit, 0.05, 0.18) * (1 + 0.05 * years);
    double land = s_round(s_uniform(unit, 150000, 1600000), 1);
    /* a revision or a later count moves the figures a little, never the shape */
    double jitter = s_uniform(noise, 0.998, 1.002);

    population = s_whole(population * s_compound(growth, years) * jitter);
    share = s_clamp(share, 0.20, 0.85);
    v[S_TOTAL_POPULATION] = population;
    v[S_URBAN_POPULATION] = s_whole(population * share);
    v[S_NATURAL_LAND] = land;
    v[S_URBAN_LAND] = s_round(land * urban_land_share, 0.1);
    v[S_TRANSPORT_LAND] = s_round(v[S_URBAN_LAND] * s_min(transport, 0.26), 0.1);
    v[S_URBAN_AREAS] = s_max(2, s_whole(population / 1e6 * per_million + 0.3 * years));
    v[S_CLASS3] = s_max(1, s_whole(v[S_URBAN_AREAS] * class3));
    v[S_CLASS3_MEETING] = s_whole(v[S_CLASS3] * s_min(meeting, 1));
    v[S_WITH_PLANS] = s_whole(v[S_URBAN_AREAS] * s_min(planned, 1));
    v[S_WITH_RENEWAL] = s_whole(v[S_URBAN_AREAS] * s_min(renewal, 1));
    v[S_GREEN] = s_whole(v[S_URBAN_POPULATION] * green);
    v[S_HOUSING] = s_whole(v[S_URBAN_POPULATION] * s_min(housing, 35));
    v[S_HOUSEHOLDS] = s_whole(v[S_URBAN_POPULATION] / household_size);
    v[S_HOUSEHOLDS_FIBRE] = s_whole(v[S_HOUSEHOLDS] * s_min(fibre, 0.99));
    v[S_ADULTS] = s_whole(v[S_URBAN_POPULATION] * adults);
    v[S_ADULTS_EPAYMENT] = s_whole(v[S_ADULTS] * s_min(epayment, 0.98));
    v[S_GRDP] = s_round(population * grdp_per_person / 1000, 0.1); /* billion VND */
    v[S_URBAN_GRDP] = s_round(v[S_GRDP] * s_clamp(s_max(share, urban_economy), 0, 0.95), 0.1);
    v[S_DIGITAL_GRDP] = s_round(v[S_GRDP] * s_min(digital, 0.40), 0.1);
}

static const char *const s_titles[TD_TASK_GROUPS][2] = {
    {"Ban hành quy định quản lý kiến trúc đô thị", "Rà soát cơ chế, chính sách phát triển đô thị"},
    {"Lập quy hoạch phân khu các khu vực phát triển mới", "Rà soát, điều chỉnh quy hoạch chung"},
    {"Lập đề án nâng loại đô thị", "Đầu tư hạ tầng khung kết nối vùng"},
    {"Phát triển nhà ở xã hội cho người thu nhập thấp", "Cải tạo hệ thống thoát nước đô thị"},
    {"Triển khai trung tâm điều hành đô thị thông minh", "Xây dựng cơ sở dữ liệu quản lý đô thị"},
    {"Thu hút đầu tư vào các khu đô thị mới", "Lập danh mục dự án kêu gọi đầu tư hạ tầng"},
};

static const char *const s_owners[] = {
    "Sở Xây dựng",
    "Sở Tài chính",
    "Sở Nông nghiệp và Môi trường",
    "Sở Khoa học và Công nghệ",
    "Ủy ban nhân dân cấp xã",
};

static const char *const s_notes[] = {
    [TIENDO__TASK_STATUS__TASK_NOT_STARTED] = "Chưa triển khai",
    [TIENDO__TASK_STATUS__TASK_IN_PROGRESS] = "Đang triển khai theo kế hoạch",
    [TIENDO__TASK_STATUS__TASK_COMPLETED] = "Đã hoàn thành",
};

static char *s_dup(const char *s, int *failed)
{
    char *copy = strdup(s);

    if (copy == NULL)
        *failed = 1;
    return copy;
}

static char *s_date_text(const td_date *d, int *failed)
{
    char buf[16];

    return s_dup(td_date_format(d, buf, sizeof buf), failed);
}

static td_date s_add_days(const td_date *d, int days)
{
    return td_date_from_time((time_t) (td_date_to_unix(d) + (int64_t) days * 86400));
}

/* Progress of each task group: grows with the period's position in 2022..2030, at a
 * pace of the unit's own, plus noise; statuses follow from it. */
static int s_model_groups(Tiendo__Report *r, s_rng *unit, s_rng *noise, double position)
{
    int failed = 0;

    r->task_groups = calloc(TD_TASK_GROUPS, sizeof *r->task_groups);
    if (r->task_groups == NULL)
        return -1;
    for (int g = 1; g <= TD_TASK_GROUPS; g++) {
        Tiendo__TaskGroupProgress *t = malloc(sizeof *t);
        double pace = s_uniform(unit, 0.75, 1.45);
        double delay = s_uniform(unit, 0.0, 0.15);
        double progress = 100 * s_clamp((position - delay) / (1 - delay) * pace, 0, 1);

        if (t == NULL)
            return -1;
        tiendo__task_group_progress__init(t);
        r->task_groups[r->n_task_groups++] = t;
        if (progress > 0)
            progress += s_uniform(noise, -4, 4);
        progress = s_round(s_clamp(progress, 0, 100), 0.5);
        if (progress < 1)
            progress = 0;
        else if (progress > 99)
            progress = 100;
        t->has_group = 1;
        t->group = (uint32_t) g;
        t->has_progress_percent = 1;
        t->progress_percent = progress;
        t->has_status = 1;
        t->status = progress == 0     ? TIENDO__TASK_STATUS__TASK_NOT_STARTED
                    : progress == 100 ? TIENDO__TASK_STATUS__TASK_COMPLETED
                                      : TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
        t->note = s_dup(s_notes[t->status], &failed);
    }
    return failed ? -1 : 0;
}

/* Two to four action-plan tasks with deadlines in 2023..2030; a task whose deadline
 * has passed by the period's end is usually completed (on or before its deadline). */
static int s_model_actions(Tiendo__Report *r, s_rng *unit, const td_date *period_end)
{
    size_t n = 2 + (size_t) (s_rng_next(unit) % 3);
    int failed = 0;

    r->action_plan = calloc(n, sizeof *r->action_plan);
    if (r->action_plan == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        Tiendo__ActionTask *t = malloc(sizeof *t);
        uint64_t pick = s_rng_next(unit);
        int group = (int) (pick % TD_TASK_GROUPS) + 1;
        td_date deadline = {2023 + (int) (s_rng_next(unit) % 8), 1 + (int) (pick / 7 % 12),
                            pick / 101 % 2 ? 15 : 28};
        double done = s_uniform(unit, 0, 1);
        char id[32];

        if (t == NULL)
            return -1;
        tiendo__action_task__init(t);
        r->action_plan[r->n_action_plan++] = t;
        snprintf(id, sizeof id, "KH-%02zu", i + 1);
        t->id = s_dup(id, &failed);
        t->title = s_dup(s_titles[group - 1][pick / 13 % 2], &failed);
        t->has_task_group = 1;
        t->task_group = (uint32_t) group;
        t->owner = s_dup(s_owners[pick / 17 % (sizeof s_owners / sizeof s_owners[0])], &failed);
        t->deadline = s_date_text(&deadline, &failed);
        t->has_status = 1;
        if (td_date_compare(&deadline, period_end) < 0 && done < 0.8) {
            td_date on = s_add_days(&deadline, -(int) (pick / 19 % 60));

            t->status = TIENDO__TASK_STATUS__TASK_COMPLETED;
            t->completed_on = s_date_text(&on, &failed);
        } else if (deadline.year - 2 <= period_end->year) {
            t->status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
        } else {
            t->status = TIENDO__TASK_STATUS__TASK_NOT_STARTED;
        }
    }
    return failed ? -1 : 0;
}

static int s_model_data(Tiendo__Report *r, const td_registry_t *reg, const double *values)
{
    const char *const *elements = NULL;
    size_t n = td_registry_elements(reg, &elements);

    if (n == 0)
        return 0;
    r->values = calloc(n, sizeof *r->values);
    if (r->values == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        Tiendo__DataValue *dv;
        size_t k;

        for (k = 0; k < S_ELEMENTS; k++) {
            if (strcmp(elements[i], s_element_names[k]) == 0)
                break;
        }
        if (k == S_ELEMENTS) {
            /* a catalogue element this model does not know: leave it unreported */
            fprintf(stderr, "tiendo-reportgen: no model for data element '%s'; left out\n",
                    elements[i]);
            continue;
        }
        dv = malloc(sizeof *dv);
        if (dv == NULL)
            return -1;
        tiendo__data_value__init(dv);
        r->values[r->n_values++] = dv;
        dv->element = strdup(elements[i]);
        if (dv->element == NULL)
            return -1;
        dv->has_value = 1;
        dv->value = values[k];
    }
    return 0;
}

/* How much later than revision 1 a revision is prepared: a day for each of the first 100
 * revisions, then ten minutes for each further one (--count makes thousands), so later
 * revisions are always prepared later and stay within the years reports may use. */
static int64_t s_revision_delay(unsigned revision)
{
    int64_t r = revision > 0 ? (int64_t) revision - 1 : 0;

    return r < 100 ? r * 86400 : 99 * 86400 + (r - 99) * 600;
}

/* Build the report of `unit` for `period_text` (a malloc-built message: free with
 * td_report_free). Returns TD_OK, TD_ERR_INVALID / TD_ERR_NOTFOUND with err filled,
 * or TD_ERR_NOMEM. */
static td_err s_model_report(const td_registry_t *reg, const char *unit_code,
                             const char *period_text, uint64_t seed, unsigned revision,
                             Tiendo__Report **out, char *err, size_t errlen)
{
    td_period period;
    td_date first, last, cutoff_from, cutoff_to;
    td_date origin = {S_START_YEAR, 1, 1};
    const td_unit *unit;
    Tiendo__Report *r = NULL;
    s_rng unit_rng, noise_rng;
    double years, values[S_ELEMENTS];
    char noise_key[96], who[TD_MAX_SHORT_TEXT];
    uint64_t day_draw;
    int failed = 0;
    td_err rc = TD_ERR_NOMEM;

    *out = NULL;
    if (td_period_parse(period_text, &period) != TD_OK) {
        snprintf(err, errlen, "--period: \"%s\" is not a period (e.g. 2026-Q4)", period_text);
        return TD_ERR_INVALID;
    }
    unit = td_registry_find(reg, unit_code, NULL);
    if (unit == NULL) {
        snprintf(err, errlen, "--unit: unit '%s' is not in the registry", unit_code);
        return TD_ERR_NOTFOUND;
    }
    td_period_span(&period, &first, &last);
    td_period_cutoff(&period, &cutoff_from, &cutoff_to);
    years =
        (double) (td_date_to_unix(&last) + 86400 - td_date_to_unix(&origin)) / (365.2425 * 86400);
    years = s_clamp(years, 0, 2 * S_SPAN_YEARS);
    unit_rng.state = s_hash(unit_code, seed);
    snprintf(noise_key, sizeof noise_key, "%s/%s/%u", unit_code, period_text, revision);
    noise_rng.state = s_hash(noise_key, seed);

    r = malloc(sizeof *r);
    if (r == NULL)
        goto cleanup;
    tiendo__report__init(r);
    snprintf(who, sizeof who, "%s%s",
             unit->level == TD_LEVEL_PROVINCE  ? "Sở Xây dựng "
             : unit->level == TD_LEVEL_COMMUNE ? "Ủy ban nhân dân "
                                               : "",
             unit->name);
    r->unit = s_dup(unit_code, &failed);
    r->dataset = s_dup(TD_DEFAULT_DATASET, &failed);
    r->period = s_dup(period_text, &failed);
    r->prepared_by = s_dup(who, &failed);
    if (failed)
        goto cleanup;
    /* prepared a few days after the data cut-off, a day later for each revision */
    r->has_prepared_at = 1;
    snprintf(noise_key, sizeof noise_key, "%s/%s", unit_code, period_text);
    day_draw = s_hash(noise_key, seed);
    r->prepared_at = td_date_to_unix(&cutoff_to) + (int64_t) (1 + day_draw % 8) * 86400 +
                     s_revision_delay(revision) +
                     (int64_t) (8 * 3600 + s_rng_next(&noise_rng) % (9 * 3600));

    s_model_values(&unit_rng, &noise_rng, years, values);
    if (s_model_groups(r, &unit_rng, &noise_rng, s_clamp(years / S_SPAN_YEARS, 0, 1)) != 0 ||
        s_model_data(r, reg, values) != 0 || s_model_actions(r, &unit_rng, &last) != 0)
        goto cleanup;
    *out = r;
    r = NULL;
    rc = TD_OK;

cleanup:
    if (rc == TD_ERR_NOMEM)
        snprintf(err, errlen, "out of memory");
    td_report_free(&r);
    return rc;
}

#ifndef TIENDO_REPORTGEN_NO_MAIN /* tests/unit/test_report.c includes this file for the model */

#define S_COUNT_MAX     999999 /* file names have six digits */
#define S_PERIOD_CYCLE  100    /* --count: months before a (unit, period) comes round again */
#define S_SMALL_MIN     440    /* --count: packed size aimed at, drawn per report */
#define S_SMALL_SPREAD  161
#define S_SMALL_MIN_VAL 2 /* data values kept at least */

typedef struct {
    char *unit;
    char *period;
    long long seed;
    long long revision;
    char *data_dir;
    long long count;
    char *out_dir;
    char *first_period;
} s_options;

static const td_config_option s_table[] = {
    {"unit", TD_OPT_STRING, offsetof(s_options, unit), NULL, 0, TD_CODE_MAX - 1,
     "Unit code from the registry, e.g. 01 (required)"},
    {"period", TD_OPT_STRING, offsetof(s_options, period), NULL, 0, TD_PERIOD_TEXT_MAX - 1,
     "Period, e.g. 2026-Q4, 2026-M07, 2026-H2, 2026-9M, 2026 (required without --count)"},
    {"seed", TD_OPT_INT, offsetof(s_options, seed), "1", 0, LLONG_MAX,
     "Seed of the unit's model: same seed, same report"},
    {"revision", TD_OPT_INT, offsetof(s_options, revision), "1", 1, 100,
     "Revision number: later revisions shift the figures slightly and are prepared later"},
    {"data-dir", TD_OPT_STRING, offsetof(s_options, data_dir), TIENDO_DEFAULT_DATA_DIR, 0, 0,
     "Folder with units.csv, task-groups.csv and indicators.csv"},
    {"count", TD_OPT_INT, offsetof(s_options, count), "0", 0, S_COUNT_MAX,
     "Write this many small reports into --out-dir instead of printing one (0: off)"},
    {"out-dir", TD_OPT_STRING, offsetof(s_options, out_dir), NULL, 0, 0,
     "With --count: folder for 000001.json, 000002.json ... (created 0755)"},
    {"first-period", TD_OPT_STRING, offsetof(s_options, first_period), "2018-M01", 0,
     TD_PERIOD_TEXT_MAX - 1, "With --count: month period of report 1 (e.g. 2018-M01)"},
    {NULL, TD_OPT_STRING, 0, NULL, 0, 0, NULL},
};

/* mkdir -p with mode 0755 for the folders it creates. */
static int s_make_dirs(const char *dir)
{
    char path[4096];
    size_t len = strlen(dir);
    struct stat st;

    if (len == 0 || len >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -1;
        path[i] = i < len ? '/' : '\0';
    }
    if (stat(dir, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* Shrink a model report to about 400-600 bytes packed, the size of a real monthly
 * return: no action plan, and as many data values (in catalogue order, so a part comes
 * with its whole) as fit a size drawn from (unit, seed, i). */
static void s_make_small(Tiendo__Report *r, const char *unit, uint64_t seed, size_t i)
{
    char key[64];
    size_t target;

    snprintf(key, sizeof key, "%s/small/%zu", unit, i);
    target = S_SMALL_MIN + (size_t) (s_hash(key, seed) % S_SMALL_SPREAD);
    for (size_t k = 0; k < r->n_action_plan; k++)
        tiendo__action_task__free_unpacked(r->action_plan[k], NULL);
    free(r->action_plan);
    r->action_plan = NULL;
    r->n_action_plan = 0;
    while (r->n_values > S_SMALL_MIN_VAL && tiendo__report__get_packed_size(r) > target) {
        r->n_values--;
        tiendo__data_value__free_unpacked(r->values[r->n_values], NULL);
        r->values[r->n_values] = NULL;
    }
}

/* The month `months` after p (a month period), as text. -1 past TD_YEAR_MAX. */
static int s_month_after(const td_period *p, long months, char *buf, size_t len)
{
    long index = (long) p->year * 12 + (p->index - 1) + months;
    td_period q = {(int) (index / 12), TD_PERIOD_MONTH, (int) (index % 12) + 1};

    if (q.year > TD_YEAR_MAX)
        return -1;
    td_period_format(&q, buf, len);
    return 0;
}

/* --count: DIR/000001.json ... Returns the exit status. */
static int s_write_many(const td_registry_t *reg, const s_options *opt)
{
    td_period first;
    char check[TD_PERIOD_TEXT_MAX];
    size_t count = (size_t) opt->count;
    size_t cycle = count < S_PERIOD_CYCLE ? count : S_PERIOD_CYCLE;

    if (td_period_parse(opt->first_period, &first) != TD_OK || first.kind != TD_PERIOD_MONTH) {
        fprintf(stderr,
                "tiendo-reportgen: --first-period: \"%s\" is not a month period; write e.g. "
                "2018-M01\n",
                opt->first_period);
        return 2;
    }
    if (s_month_after(&first, (long) cycle - 1, check, sizeof check) != 0) {
        fprintf(stderr,
                "tiendo-reportgen: --first-period: %zu months from %s pass the year %d; "
                "start earlier\n",
                cycle, opt->first_period, TD_YEAR_MAX);
        return 2;
    }
    if (td_registry_find(reg, opt->unit, NULL) == NULL) {
        fprintf(stderr, "tiendo-reportgen: --unit: unit '%s' is not in the registry\n", opt->unit);
        return 2;
    }
    if (s_make_dirs(opt->out_dir) != 0) {
        fprintf(stderr, "tiendo-reportgen: %s: cannot create the folder: %s\n", opt->out_dir,
                strerror(errno));
        return 1;
    }
    for (size_t i = 1; i <= count; i++) {
        char period[TD_PERIOD_TEXT_MAX], path[4200], err[512];
        Tiendo__Report *report = NULL;
        char *json = NULL;
        unsigned revision = (unsigned) (1 + (i - 1) / S_PERIOD_CYCLE);
        FILE *f;
        int ok;

        s_month_after(&first, (long) ((i - 1) % S_PERIOD_CYCLE), period, sizeof period);
        if (s_model_report(reg, opt->unit, period, (uint64_t) opt->seed, revision, &report, err,
                           sizeof err) != TD_OK) {
            fprintf(stderr, "tiendo-reportgen: report %zu: %s\n", i, err);
            return 1;
        }
        s_make_small(report, opt->unit, (uint64_t) opt->seed, i);
        if (td_report_validate(report, reg, err, sizeof err) != TD_OK) {
            /* e.g. a unit that does not exist during that period */
            fprintf(stderr,
                    "tiendo-reportgen: report %zu (unit %s, period %s) would be rejected: %s\n", i,
                    opt->unit, period, err);
            td_report_free(&report);
            return 2;
        }
        json = td_report_to_json(report);
        td_report_free(&report);
        if (json == NULL) {
            fprintf(stderr, "tiendo-reportgen: out of memory\n");
            return 1;
        }
        snprintf(path, sizeof path, "%s/%06zu.json", opt->out_dir, i);
        f = fopen(path, "w");
        ok = f != NULL && fputs(json, f) != EOF;
        if (f != NULL && fclose(f) != 0)
            ok = 0;
        free(json);
        if (!ok) {
            fprintf(stderr, "tiendo-reportgen: %s: cannot write: %s\n", path, strerror(errno));
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    s_options opt = {0};
    td_config_args args = {0, 0, 0, NULL};
    td_registry_t *reg = NULL;
    Tiendo__Report *report = NULL;
    char err[512] = "";
    char *json = NULL;
    int status = 2;

    if (td_config_parse(s_table, &opt, argc - 1, argv + 1, &args, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-reportgen: %s\n", err);
        goto cleanup;
    }
    if (args.help) {
        printf("Usage: tiendo-reportgen --unit CODE --period PERIOD [options]\n"
               "       tiendo-reportgen --unit CODE --count N --out-dir DIR "
               "[--first-period P] [--seed S]\n"
               "Prints one plausible JSON report (docs/report-format.md) from a seeded model of\n"
               "the unit, for load tests and demos.\n"
               "With --count N it writes N smaller reports (about 400-600 bytes each as\n"
               "protobuf, no action plan) to DIR/000001.json .. DIR/NNNNNN.json instead, for\n"
               "`tiendo-agent submit DIR/*.json`. Report i is for the month --first-period\n"
               "(default 2018-M01) plus (i-1) months, modulo 100 months: with N over 100 the\n"
               "same unit and period come round again, as later revisions (revision\n"
               "1 + (i-1)/100). Each is valid and depends only on unit, seed, first period and\n"
               "i.\n\n");
        td_config_print_help(stdout, s_table);
        status = 0;
        goto cleanup;
    }
    if (args.npositional > 0 || opt.unit == NULL || (opt.period == NULL && opt.count == 0)) {
        fprintf(stderr, "tiendo-reportgen: %s (see --help)\n",
                args.npositional > 0 ? "unexpected argument"
                                     : "--unit and --period (or --count) are required");
        goto cleanup;
    }
    if (opt.count > 0 && (opt.out_dir == NULL || opt.period != NULL || opt.revision != 1)) {
        fprintf(stderr, "tiendo-reportgen: %s (see --help)\n",
                opt.out_dir == NULL ? "--count needs --out-dir"
                                    : "--count sets period and revision itself: leave out "
                                      "--period and --revision");
        goto cleanup;
    }
    if (opt.count == 0 && opt.out_dir != NULL) {
        fprintf(stderr, "tiendo-reportgen: --out-dir goes with --count (see --help)\n");
        goto cleanup;
    }
    if (td_registry_open(&reg, opt.data_dir, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-reportgen: %s\n", err);
        status = 1;
        goto cleanup;
    }
    if (args.check_config) {
        status = 0;
        goto cleanup;
    }
    if (opt.count > 0) {
        status = s_write_many(reg, &opt);
        goto cleanup;
    }
    if (s_model_report(reg, opt.unit, opt.period, (uint64_t) opt.seed, (unsigned) opt.revision,
                       &report, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-reportgen: %s\n", err);
        goto cleanup;
    }
    json = td_report_to_json(report);
    if (json == NULL) {
        fprintf(stderr, "tiendo-reportgen: out of memory\n");
        status = 1;
        goto cleanup;
    }
    if (fputs(json, stdout) == EOF || fflush(stdout) != 0) {
        perror("tiendo-reportgen: stdout");
        status = 1;
        goto cleanup;
    }
    status = 0;

cleanup:
    free(json);
    td_report_free(&report);
    td_registry_close(&reg);
    td_config_free(s_table, &opt);
    td_config_args_free(&args);
    return status;
}

#endif
