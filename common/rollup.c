/* rollup.c: the territory tree of a period, each node's own values, and figures computed
 * bottom-up with the "own figure wins over the parts' sum" rule. */
#include "rollup.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "indicator.h"

#define S_DEPTH_MAX 16 /* nation, province, predecessors, communes: far below this */

typedef struct {
    char code[TD_CODE_MAX];
    const td_unit *unit; /* the record the code means in the period (NULL for the root) */
    int parent;          /* node index; -1 for the root and for nodes outside the tree */
    int expected;        /* a child of the root */
    int depth;           /* 0 for the root; -1 outside the tree */
    int has_report;
    int64_t first_received_ms;
    double *own; /* per catalogue element, NAN when not given; NULL without a report */
} s_node;

/* One indicator at one node. */
typedef struct {
    int has;
    double num, den;
    unsigned covered, expected, reports;
    int partial;
} s_sum;

typedef struct {
    s_sum own, parts;
} s_fig;

struct td_rollup {
    const td_registry_t *reg;
    td_period period;
    const char *const *elements;
    size_t nelements;
    const td_indicator *indicators;
    size_t nindicators;
    size_t *num_index, *den_index; /* per indicator: element indexes (den: nelements for sum) */
    s_node *nodes;
    size_t nnodes;
    size_t root;   /* the nation's node */
    size_t *order; /* node indexes, deepest first: children before parents */
    size_t norder;
    s_fig *figs; /* nnodes x nindicators, valid when !dirty */
    unsigned *reports_below;
    int dirty;
    unsigned outside;
    /* the map (rollup.h): its units and, per unit, the period's expected nodes in it */
    const td_unit **map_units;
    size_t nmap;
    int regrouped;       /* the map is not the period's own */
    size_t *map_members; /* node indexes, grouped by map unit */
    size_t *map_first, *map_count;
};

static int s_node_cmp(const void *a, const void *b)
{
    return strcmp(((const s_node *) a)->code, ((const s_node *) b)->code);
}

/* The node of code (nodes are sorted by code), or -1. */
static long s_find(const td_rollup_t *r, const char *code)
{
    size_t lo = 0, hi = r->nnodes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(code, r->nodes[mid].code);
        if (c == 0)
            return (long) mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

static size_t s_element_index(const td_rollup_t *r, const char *element)
{
    size_t i = 0;
    while (i < r->nelements && strcmp(r->elements[i], element) != 0)
        i++;
    return i;
}

/* Every distinct code of the registry that exists during the period, plus the root,
 * sorted by code. */
static td_err s_collect(td_rollup_t *r)
{
    const td_unit *units = NULL;
    size_t n = td_registry_units(r->reg, &units);
    r->nodes = calloc(n + 1, sizeof *r->nodes);
    if (r->nodes == NULL)
        return TD_ERR_NOMEM;
    memcpy(r->nodes[0].code, "VN", 3);
    r->nnodes = 1;
    for (size_t i = 0; i < n; i++) {
        const td_unit *u = &units[i];
        if (u->level == TD_LEVEL_NATION || u->level == TD_LEVEL_MINISTRY)
            continue;
        /* The record the code means in the period; its other records are skipped. */
        if (td_registry_find_during(r->reg, u->code, &r->period) != u)
            continue;
        s_node *node = &r->nodes[r->nnodes++];
        memcpy(node->code, u->code, sizeof node->code);
        node->unit = u;
    }
    if (r->nnodes > 1)
        qsort(r->nodes, r->nnodes, sizeof *r->nodes, s_node_cmp);
    for (size_t i = 0; i < r->nnodes; i++) {
        r->nodes[i].parent = -1;
        r->nodes[i].depth = -1;
    }
    long root = s_find(r, "VN");
    r->root = (size_t) root;
    return TD_OK;
}

/* Parent links by the rules of rollup.h; nodes that reach no root stay outside. */
static td_err s_link(td_rollup_t *r)
{
    td_date first, last;
    td_period_span(&r->period, &first, &last);
    const td_unit *expected[512];
    size_t nexp = td_registry_expected(r->reg, &r->period, expected, 512);
    if (nexp > 512)
        nexp = 512;
    for (size_t i = 0; i < nexp; i++) {
        long k = s_find(r, expected[i]->code);
        if (k >= 0 && (size_t) k != r->root) {
            r->nodes[k].parent = (int) r->root;
            r->nodes[k].expected = 1;
        }
    }
    for (size_t i = 0; i < r->nnodes; i++) {
        s_node *node = &r->nodes[i];
        if (node->expected || i == r->root)
            continue;
        const char *up = NULL;
        if (node->unit->level == TD_LEVEL_PROVINCE) {
            const td_unit *now = td_registry_current(r->reg, node->code, &last);
            if (now != NULL && strcmp(now->code, node->code) != 0)
                up = now->code; /* merged into it during or before the period */
        } else if (node->unit->level == TD_LEVEL_COMMUNE) {
            up = node->unit->parent;
        }
        long k = up != NULL ? s_find(r, up) : -1;
        if (k >= 0 && (size_t) k != i)
            node->parent = (int) k;
    }
    r->nodes[r->root].depth = 0;
    r->order = calloc(r->nnodes, sizeof *r->order);
    if (r->order == NULL)
        return TD_ERR_NOMEM;
    /* Depth by walking up; a chain that does not reach the root within S_DEPTH_MAX (a
     * cycle in a broken registry) leaves the node outside. */
    for (size_t i = 0; i < r->nnodes; i++) {
        if (i == r->root)
            continue;
        int d = 0;
        long k = (long) i;
        while (k >= 0 && (size_t) k != r->root && d <= S_DEPTH_MAX) {
            k = r->nodes[k].parent;
            d++;
        }
        if (k >= 0 && (size_t) k == r->root && d <= S_DEPTH_MAX)
            r->nodes[i].depth = d;
        else
            r->nodes[i].parent = -1;
    }
    /* Deepest first; ties in code order for a stable walk. */
    for (int d = S_DEPTH_MAX; d >= 0; d--) {
        for (size_t i = 0; i < r->nnodes; i++) {
            if (r->nodes[i].depth == d)
                r->order[r->norder++] = i;
        }
    }
    return TD_OK;
}

static int s_unit_cmp(const void *a, const void *b)
{
    return strcmp((*(const td_unit *const *) a)->code, (*(const td_unit *const *) b)->code);
}

static long s_map_find(const td_rollup_t *r, const char *code)
{
    for (size_t i = 0; i < r->nmap; i++) {
        if (strcmp(r->map_units[i]->code, code) == 0)
            return (long) i;
    }
    return -1;
}

/* The map's units and which expected nodes of the period each one groups. */
static td_err s_map(td_rollup_t *r, const td_date *map_on)
{
    td_date last;
    td_period_span(&r->period, NULL, &last);
    r->regrouped = map_on != NULL && td_date_compare(map_on, &last) != 0;
    const td_unit *units = NULL;
    size_t n = td_registry_units(r->reg, &units);
    r->map_units = calloc(n + 1, sizeof *r->map_units);
    r->map_first = calloc(n + 1, sizeof *r->map_first);
    r->map_count = calloc(n + 1, sizeof *r->map_count);
    r->map_members = calloc(r->nnodes + 1, sizeof *r->map_members);
    if (r->map_units == NULL || r->map_first == NULL || r->map_count == NULL ||
        r->map_members == NULL)
        return TD_ERR_NOMEM;
    const td_date *on = r->regrouped ? map_on : &last;
    for (size_t i = 0; i < n; i++) {
        if (units[i].level == TD_LEVEL_PROVINCE &&
            td_registry_find(r->reg, units[i].code, on) == &units[i])
            r->map_units[r->nmap++] = &units[i];
    }
    if (r->nmap > 1)
        qsort(r->map_units, r->nmap, sizeof *r->map_units, s_unit_cmp);
    /* members: each expected node goes to the map unit its code leads to on `on` */
    size_t used = 0;
    for (size_t m = 0; m < r->nmap; m++) {
        r->map_first[m] = used;
        for (size_t i = 0; i < r->nnodes; i++) {
            if (!r->nodes[i].expected)
                continue;
            const td_unit *now = td_registry_current(r->reg, r->nodes[i].code, on);
            if (now != NULL && strcmp(now->code, r->map_units[m]->code) == 0)
                r->map_members[used++] = i;
        }
        r->map_count[m] = used - r->map_first[m];
    }
    return TD_OK;
}

td_err td_rollup_open(td_rollup_t **out, const td_registry_t *reg, const td_period *p,
                      const td_date *map_on)
{
    *out = NULL;
    td_rollup_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return TD_ERR_NOMEM;
    r->reg = reg;
    r->period = *p;
    r->nelements = td_registry_elements(reg, &r->elements);
    r->nindicators = td_registry_indicators(reg, &r->indicators);
    r->num_index = calloc(r->nindicators + 1, sizeof *r->num_index);
    r->den_index = calloc(r->nindicators + 1, sizeof *r->den_index);
    td_err rc = r->num_index == NULL || r->den_index == NULL ? TD_ERR_NOMEM : TD_OK;
    for (size_t i = 0; rc == TD_OK && i < r->nindicators; i++) {
        r->num_index[i] = s_element_index(r, r->indicators[i].numerator);
        r->den_index[i] = r->indicators[i].denominator[0] != '\0'
                              ? s_element_index(r, r->indicators[i].denominator)
                              : r->nelements;
    }
    if (rc == TD_OK)
        rc = s_collect(r);
    if (rc == TD_OK)
        rc = s_link(r);
    if (rc == TD_OK)
        rc = s_map(r, map_on);
    if (rc == TD_OK) {
        r->figs = calloc(r->nnodes * (r->nindicators + 1), sizeof *r->figs);
        r->reports_below = calloc(r->nnodes, sizeof *r->reports_below);
        if (r->figs == NULL || r->reports_below == NULL)
            rc = TD_ERR_NOMEM;
    }
    if (rc != TD_OK) {
        td_rollup_close(&r);
        return rc;
    }
    r->dirty = 1;
    *out = r;
    return TD_OK;
}

void td_rollup_close(td_rollup_t **r)
{
    if (r == NULL || *r == NULL)
        return;
    for (size_t i = 0; (*r)->nodes != NULL && i < (*r)->nnodes; i++)
        free((*r)->nodes[i].own);
    free((*r)->nodes);
    free((*r)->order);
    free((*r)->figs);
    free((*r)->reports_below);
    free((*r)->map_units);
    free((*r)->map_first);
    free((*r)->map_count);
    free((*r)->map_members);
    free((*r)->num_index);
    free((*r)->den_index);
    free(*r);
    *r = NULL;
}

td_err td_rollup_add(td_rollup_t *r, const char *unit, const Tiendo__Report *report,
                     int64_t first_received_ms)
{
    long k = unit != NULL ? s_find(r, unit) : -1;
    if (k < 0 || (size_t) k == r->root || r->nodes[k].depth < 0) {
        r->outside++;
        return TD_ERR_NOTFOUND;
    }
    s_node *node = &r->nodes[k];
    if (node->has_report)
        return TD_ERR_EXISTS;
    double *own = malloc((r->nelements + 1) * sizeof *own);
    if (own == NULL)
        return TD_ERR_NOMEM;
    for (size_t e = 0; e < r->nelements; e++)
        own[e] = NAN;
    for (size_t i = 0; i < report->n_values; i++) {
        const Tiendo__DataValue *dv = report->values[i];
        if (dv == NULL || dv->element == NULL || !dv->has_value)
            continue; /* left empty: no data, never 0 */
        size_t e = s_element_index(r, dv->element);
        if (e == r->nelements)
            continue; /* an element the catalogue no longer uses */
        if (!isfinite(dv->value) || dv->value < 0 || !isnan(own[e])) {
            free(own);
            return TD_ERR_INVALID;
        }
        own[e] = dv->value;
    }
    node->own = own;
    node->has_report = 1;
    node->first_received_ms = first_received_ms;
    r->dirty = 1;
    return TD_OK;
}

static void s_add_into(s_sum *to, const s_sum *from)
{
    to->num += from->num;
    to->den += from->den;
    to->covered++;
    to->reports += from->reports;
    to->partial |= from->partial;
}

/* The figure a node passes up: its own when it has one, else its parts'. */
static const s_sum *s_figure(const s_fig *f)
{
    return f->own.has ? &f->own : f->parts.has ? &f->parts : NULL;
}

static void s_compute(td_rollup_t *r)
{
    size_t ni = r->nindicators;
    memset(r->figs, 0, r->nnodes * (ni + 1) * sizeof *r->figs);
    memset(r->reports_below, 0, r->nnodes * sizeof *r->reports_below);
    /* expected counts: how many parts each node has */
    for (size_t o = 0; o < r->norder; o++) {
        size_t i = r->order[o];
        const s_node *node = &r->nodes[i];
        s_fig *f = &r->figs[i * ni];
        for (size_t k = 0; k < ni; k++) {
            size_t ne = r->num_index[k], de = r->den_index[k];
            if (node->has_report && ne < r->nelements && !isnan(node->own[ne]) &&
                (de == r->nelements || !isnan(node->own[de]))) {
                f[k].own.has = 1;
                f[k].own.num = node->own[ne];
                f[k].own.den = de < r->nelements ? node->own[de] : 0;
                f[k].own.covered = f[k].own.expected = f[k].own.reports = 1;
            }
            /* children come earlier in the order: their figures are final */
            f[k].parts.has = f[k].parts.covered > 0;
            f[k].parts.partial |= f[k].parts.covered < f[k].parts.expected;
        }
        if (node->has_report)
            r->reports_below[i]++;
        if (node->parent < 0)
            continue;
        s_fig *pf = &r->figs[(size_t) node->parent * ni];
        r->reports_below[node->parent] += r->reports_below[i];
        for (size_t k = 0; k < ni; k++) {
            pf[k].parts.expected++;
            const s_sum *up = s_figure(&f[k]);
            if (up != NULL)
                s_add_into(&pf[k].parts, up);
        }
    }
    r->dirty = 0;
}

static void s_out(td_indicator_figure *out, const td_indicator *def, const s_sum *use,
                  td_figure_source source, const s_sum *check)
{
    out->source = source;
    out->numerator = use->num;
    out->denominator = use->den;
    out->has_value = td_indicator_apply(def, use->num, use->den, &out->value) == TD_OK;
    out->covered = use->covered;
    out->expected = use->expected;
    out->partial = use->partial;
    out->reports = use->reports;
    if (check != NULL && check->has) {
        out->has_check = 1;
        out->check_numerator = check->num;
        out->check_denominator = check->den;
        out->check_has_value =
            td_indicator_apply(def, check->num, check->den, &out->check_value) == TD_OK;
        out->check_covered = check->covered;
        out->check_expected = check->expected;
    }
}

static void s_none(td_indicator_figure *out, unsigned expected)
{
    out->source = TD_FIGURE_NONE;
    out->expected = expected > 0 ? expected : 1;
    out->partial = 1;
}

/* A node's figure: its own (with the parts as a check), else its parts'. */
static void s_node_figure(const td_rollup_t *r, size_t node, size_t k, td_indicator_figure *out)
{
    const s_fig *f = &r->figs[node * r->nindicators + k];
    const td_indicator *def = &r->indicators[k];
    if (f->own.has)
        s_out(out, def, &f->own, TD_FIGURE_OWN, &f->parts);
    else if (f->parts.has)
        s_out(out, def, &f->parts, TD_FIGURE_PARTS, NULL);
    else
        s_none(out, f->parts.expected);
}

td_err td_rollup_indicator(td_rollup_t *r, const char *scope, const td_indicator *ind,
                           td_indicator_figure *out)
{
    memset(out, 0, sizeof *out);
    size_t k = 0;
    while (k < r->nindicators && &r->indicators[k] != ind &&
           (ind == NULL || strcmp(r->indicators[k].id, ind->id) != 0))
        k++;
    if (k == r->nindicators)
        return TD_ERR_INVALID;
    if (scope == NULL)
        return TD_ERR_NOTFOUND;
    if (r->dirty)
        s_compute(r);
    long m = r->regrouped ? s_map_find(r, scope) : -1;
    if (m >= 0 && r->map_count[m] == 1 &&
        strcmp(r->nodes[r->map_members[r->map_first[m]]].code, scope) == 0)
        m = -1; /* the period's unit of the same code, alone: its own figure, with its check */
    if (m >= 0) {
        /* a unit of a later map: the plain sum of the period's units that became it */
        s_sum acc;
        memset(&acc, 0, sizeof acc);
        for (size_t j = 0; j < r->map_count[m]; j++) {
            const s_fig *f = &r->figs[r->map_members[r->map_first[m] + j] * r->nindicators + k];
            const s_sum *up = s_figure(f);
            acc.expected++;
            if (up != NULL)
                s_add_into(&acc, up);
        }
        acc.has = acc.covered > 0;
        acc.partial |= acc.covered < acc.expected;
        if (!acc.has)
            s_none(out, acc.expected);
        else
            s_out(out, &r->indicators[k], &acc, TD_FIGURE_PARTS, NULL);
        return TD_OK;
    }
    long i = s_find(r, scope);
    if (i < 0 || r->nodes[i].depth < 0)
        return TD_ERR_NOTFOUND;
    s_node_figure(r, (size_t) i, k, out);
    return TD_OK;
}

size_t td_rollup_map_units(const td_rollup_t *r, const td_unit *const **units)
{
    *units = r->map_units;
    return r->nmap;
}

unsigned td_rollup_reports(td_rollup_t *r, const char *scope)
{
    if (r->dirty)
        s_compute(r);
    long m = r->regrouped && scope != NULL ? s_map_find(r, scope) : -1;
    if (m >= 0) {
        unsigned n = 0;
        for (size_t j = 0; j < r->map_count[m]; j++)
            n += r->reports_below[r->map_members[r->map_first[m] + j]];
        return n;
    }
    long i = scope != NULL ? s_find(r, scope) : -1;
    if (i < 0 || r->nodes[i].depth < 0)
        return 0;
    return r->reports_below[i];
}

td_err td_rollup_unit_state(const td_rollup_t *r, const char *unit, td_rollup_unit *out)
{
    memset(out, 0, sizeof *out);
    long k = unit != NULL ? s_find(r, unit) : -1;
    if (k < 0 || !r->nodes[k].expected)
        return TD_ERR_NOTFOUND;
    const s_node *node = &r->nodes[k];
    out->own = node->has_report;
    out->own_first_received_ms = node->first_received_ms;
    for (size_t i = 0; i < r->nnodes; i++) {
        const s_node *part = &r->nodes[i];
        if (part->parent != (int) k || part->unit->level != TD_LEVEL_PROVINCE)
            continue;
        out->parts++;
        if (!part->has_report)
            continue;
        out->parts_reported++;
        if (out->parts_first_received_ms == 0 ||
            (part->first_received_ms > 0 && part->first_received_ms < out->parts_first_received_ms))
            out->parts_first_received_ms = part->first_received_ms;
    }
    return TD_OK;
}

size_t td_rollup_parts_reported(const td_rollup_t *r, const char *unit, const char **codes,
                                size_t max)
{
    long k = unit != NULL ? s_find(r, unit) : -1;
    if (k < 0 || !r->nodes[k].expected)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < r->nnodes; i++) { /* nodes are in code order */
        const s_node *part = &r->nodes[i];
        if (part->parent != (int) k || part->unit->level != TD_LEVEL_PROVINCE || !part->has_report)
            continue;
        if (n < max)
            codes[n] = part->code;
        n++;
    }
    return n;
}

unsigned td_rollup_outside(const td_rollup_t *r)
{
    return r->outside;
}
