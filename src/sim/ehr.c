/*
 * ehr.c -- the electronic health record of each simulated person, written
 * as an OMOP CDM 5.4 CSV export (omop/person.csv, observation_period.csv,
 * visit_occurrence.csv, condition_occurrence.csv, measurement.csv; header
 * names and order as in the CDM field specification).
 *
 * A person's visits are spread over their observation period (more visits
 * for people with more diseases).  A case of a planted disease has its ICD
 * code on one visit at onset and, for most cases, on further visits after
 * it; ICD-9-CM is used before 2015-10-01 and ICD-10-CM from then on, as in
 * US records.  Some controls carry one rule-out code.  Each person also
 * carries the diagnoses of the background phenome (background.c) on one to
 * four visits each, and some visits a general-examination code.  A share of codes is written without the dot and
 * right-padded to seven characters, as some exports (MIMIC-IV) do.
 * Measurements are the person's level plus visit-to-visit noise, rounded as
 * laboratories report them; a few rows are in another unit and a few are
 * impossible values, for the phenotype stage's filters.
 *
 * People are written in order from their own random streams, so the files
 * do not depend on the thread count.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/kstring.h>

#include "duet/log.h"
#include "sim_internal.h"

enum { F_PERSON, F_OBS, F_VISIT, F_COND, F_MEAS, F_N };

static const char *const file_name[F_N] = {
    "omop/person.csv", "omop/observation_period.csv", "omop/visit_occurrence.csv",
    "omop/condition_occurrence.csv", "omop/measurement.csv",
};

static const char *const file_header[F_N] = {
    "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,birth_datetime,"
    "race_concept_id,ethnicity_concept_id,location_id,provider_id,care_site_id,"
    "person_source_value,gender_source_value,gender_source_concept_id,race_source_value,"
    "race_source_concept_id,ethnicity_source_value,ethnicity_source_concept_id\n",
    "observation_period_id,person_id,observation_period_start_date,"
    "observation_period_end_date,period_type_concept_id\n",
    "visit_occurrence_id,person_id,visit_concept_id,visit_start_date,visit_start_datetime,"
    "visit_end_date,visit_end_datetime,visit_type_concept_id,provider_id,care_site_id,"
    "visit_source_value,visit_source_concept_id,admitted_from_concept_id,"
    "admitted_from_source_value,discharged_to_concept_id,discharged_to_source_value,"
    "preceding_visit_occurrence_id\n",
    "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,"
    "condition_start_datetime,condition_end_date,condition_end_datetime,"
    "condition_type_concept_id,condition_status_concept_id,stop_reason,provider_id,"
    "visit_occurrence_id,visit_detail_id,condition_source_value,condition_source_concept_id,"
    "condition_status_source_value\n",
    "measurement_id,person_id,measurement_concept_id,measurement_date,measurement_datetime,"
    "measurement_time,measurement_type_concept_id,operator_concept_id,value_as_number,"
    "value_as_concept_id,unit_concept_id,range_low,range_high,provider_id,"
    "visit_occurrence_id,visit_detail_id,measurement_source_value,"
    "measurement_source_concept_id,unit_source_value,unit_source_concept_id,"
    "value_source_value,measurement_event_id,meas_event_field_concept_id\n",
};

#define TYPE_EHR 32817   /* Type Concept "EHR" */
#define GENDER_MALE 8507
#define GENDER_FEMALE 8532
#define VISIT_IP 9201
#define VISIT_OP 9202
#define VISIT_ER 9203
#define MAX_VISITS 1500

typedef struct {
    int32_t start, end;
    int concept;
} visit_t;

typedef struct {
    int32_t visit, seq;
    const char *code;
    uint8_t undotted;
} cond_t;

typedef struct {
    int32_t visit, seq;
    int16_t trait;
    uint8_t alt_unit;
    double value;
} meas_t;

typedef struct {
    visit_t *visit;
    int32_t *day, *idx;
    int32_t *bg;       /* background phecodes of the person */
    cond_t *cond;
    int n_cond, m_cond;
    meas_t *meas;
    int n_meas, m_meas;
    kstring_t ks[F_N]; /* rows not yet written, per file */
} buffers_t;

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_cond(const void *a, const void *b)
{
    const cond_t *x = a, *y = b;
    if (x->visit != y->visit) return x->visit < y->visit ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_meas(const void *a, const void *b)
{
    const meas_t *x = a, *y = b;
    if (x->visit != y->visit) return x->visit < y->visit ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int add_cond(buffers_t *b, int visit, const char *code, int undotted)
{
    if (b->n_cond == b->m_cond) {
        int m = b->m_cond ? 2 * b->m_cond : 256;
        cond_t *p = duet_realloc(b->cond, (size_t)m * sizeof *p);
        if (!p) return -1;
        b->cond = p;
        b->m_cond = m;
    }
    b->cond[b->n_cond] = (cond_t){ visit, b->n_cond, code, (uint8_t)undotted };
    b->n_cond++;
    return 0;
}

static int add_meas(buffers_t *b, int visit, int trait, double value, int alt_unit)
{
    if (b->n_meas == b->m_meas) {
        int m = b->m_meas ? 2 * b->m_meas : 256;
        meas_t *p = duet_realloc(b->meas, (size_t)m * sizeof *p);
        if (!p) return -1;
        b->meas = p;
        b->m_meas = m;
    }
    b->meas[b->n_meas] = (meas_t){ visit, b->n_meas, (int16_t)trait, (uint8_t)alt_unit, value };
    b->n_meas++;
    return 0;
}

/* A disease code for a visit on `day`: ICD-9-CM before 2015-10-01. */
static const char *pick_code(const sim_trait_t *tr, int32_t day, int32_t icd10_from, duet_rng_t *r)
{
    const char *const *list = day >= icd10_from ? tr->icd10 : tr->icd9;
    int n = 0;
    while (n < SIM_MAX_CODES && list[n]) n++;
    return list[duet_rng_below(r, (uint64_t)n)];
}

/* The code as exported: "E11.9", or for a share "E119   " (MIMIC style). */
static void format_code(const char *code, int undotted, char *buf)
{
    if (!undotted) {
        strcpy(buf, code);
        return;
    }
    int n = 0;
    for (const char *p = code; *p; p++)
        if (*p != '.') buf[n++] = *p;
    while (n < 7) buf[n++] = ' ';
    buf[n] = 0;
}

/* "YYYY-MM-DD" */
static int put_date(kstring_t *o, int32_t days)
{
    char buf[16];
    duet_sim_format_date(days, buf);
    return kputsn(buf, 10, o) < 0;
}

static double round_to(double v, int decimals)
{
    double s = pow(10.0, decimals);
    return round(v * s) / s;
}

static duet_err_t person_rows(sim_cohort_t *c, int i, buffers_t *b, int64_t *visit_id,
                              int64_t *cond_id, int64_t *meas_id)
{
    const int N = c->n_samples;
    const int32_t icd10_from = duet_sim_days_from_civil(2015, 10, 1);
    duet_rng_t rr, *r = &rr;
    duet_rng_init(r, c->opts->seed, sim_stream(SIM_NS_EHR, 0, (uint64_t)i));
    char name[32], d1[16], d2[16];
    sim_sample_name(c, i, name, sizeof name);
    int y, mo, d;
    duet_sim_civil_from_days(c->birth[i], &y, &mo, &d);
    const int64_t pid = (int64_t)i + 1;

    if (ksprintf(&b->ks[F_PERSON], "%lld,%d,%d,%d,%d,,0,0,,,,%s,%s,,,,,\n", (long long)pid,
                 c->male[i] ? GENDER_MALE : GENDER_FEMALE, y, mo, d, name, c->male[i] ? "M" : "F") < 0)
        return duet_log_oom(b->ks[F_PERSON].m);
    duet_sim_format_date(c->obs_start[i], d1);
    duet_sim_format_date(c->obs_end[i], d2);
    if (ksprintf(&b->ks[F_OBS], "%lld,%lld,%s,%s,%d\n", (long long)pid, (long long)pid, d1, d2, TYPE_EHR) < 0)
        return duet_log_oom(b->ks[F_OBS].m);

    /* Visits */
    int n_dis = 0;
    for (int t = 0; t < sim_n_traits; t++)
        n_dis += sim_traits[t].binary && c->status[(size_t)t * N + i] == 1;
    const int32_t start = c->obs_start[i], end = c->obs_end[i];
    double years = (end - start) / 365.25;
    double rate = 1.5 * duet_rng_gamma(r, 2.0) + 1.5 * n_dis;
    uint64_t nv = 1 + duet_rng_poisson(r, rate * years);
    if (nv > MAX_VISITS) nv = MAX_VISITS;
    int n = (int)nv;
    b->day[0] = start;
    for (int j = 1; j < n; j++)
        b->day[j] = j == n - 1 ? end : start + (int32_t)duet_rng_below(r, (uint64_t)(end - start + 1));
    qsort(b->day, (size_t)n, sizeof *b->day, cmp_i32);
    int nu = 0;
    for (int j = 0; j < n; j++)
        if (nu == 0 || b->day[j] != b->day[nu - 1]) b->day[nu++] = b->day[j];
    n = nu;
    for (int j = 0; j < n; j++) {
        visit_t *v = &b->visit[j];
        double u = duet_rng_uniform(r);
        v->start = v->end = b->day[j];
        if (u < 0.05) {
            v->concept = VISIT_IP;
            v->end = v->start + 1 + (int32_t)duet_rng_below(r, 7);
            if (v->end > end) v->end = end > v->start ? end : v->start;
        } else {
            v->concept = u < 0.15 ? VISIT_ER : VISIT_OP;
        }
    }

    /* Disease codes */
    b->n_cond = b->n_meas = 0;
    for (int t = 0; t < sim_n_traits; t++) {
        const sim_trait_t *tr = &sim_traits[t];
        if (!tr->binary) continue;
        int st = c->status[(size_t)t * N + i];
        if (st == 1) {
            int j0 = (int)duet_rng_below(r, (uint64_t)ceil(0.8 * n));
            int k = duet_rng_uniform(r) < SIM_CASE_MULTI_DATE ? 2 + (int)duet_rng_poisson(r, 1.5) : 1;
            if (k > n - j0) k = n - j0;
            if (add_cond(b, j0, pick_code(tr, b->day[j0], icd10_from, r),
                         duet_rng_uniform(r) < SIM_UNDOTTED_FRACTION))
                return DUET_ENOMEM;
            int pool = n - j0 - 1;
            for (int j = 0; j < pool; j++) b->idx[j] = j0 + 1 + j;
            for (int j = 0; j < k - 1; j++) {
                int q = j + (int)duet_rng_below(r, (uint64_t)(pool - j));
                int32_t tmp = b->idx[j];
                b->idx[j] = b->idx[q];
                b->idx[q] = tmp;
                int vj = b->idx[j];
                if (add_cond(b, vj, pick_code(tr, b->day[vj], icd10_from, r),
                             duet_rng_uniform(r) < SIM_UNDOTTED_FRACTION))
                    return DUET_ENOMEM;
            }
            if (k >= 2) c->n_cases_multi[t]++;
            else c->n_cases_single[t]++;
        } else if (st == 0 && duet_rng_uniform(r) < SIM_RULE_OUT_RATE) {
            int vj = (int)duet_rng_below(r, (uint64_t)n);
            if (add_cond(b, vj, pick_code(tr, b->day[vj], icd10_from, r),
                         duet_rng_uniform(r) < SIM_UNDOTTED_FRACTION))
                return DUET_ENOMEM;
            c->n_rule_out[t]++;
        }
    }
    /* The background phenome and general examinations, from a stream of
     * their own: the planted diseases' records above do not depend on it. */
    duet_rng_t rb;
    duet_rng_init(&rb, c->opts->seed, sim_stream(SIM_NS_EHR, 1, (uint64_t)i));
    int n_bg = sim_background_draw(&c->bg, c->male[i], &rb, b->bg);
    for (int k = 0; k < n_bg; k++) {
        sim_bg_phecode_t *x = &c->bg.phe[b->bg[k]];
        int m = 1 + (int)duet_rng_below(&rb, SIM_BG_MAX_DATES);
        if (m > n) m = n;
        int32_t pick[SIM_BG_MAX_DATES];
        for (int j = 0; j < m; j++) {
            int vj, dup;
            do { /* distinct visits; m <= n, so this ends */
                vj = (int)duet_rng_below(&rb, (uint64_t)n);
                dup = 0;
                for (int l = 0; l < j; l++) dup |= pick[l] == vj;
            } while (dup);
            pick[j] = vj;
            if (add_cond(b, vj, b->day[vj] >= icd10_from ? x->icd10 : x->icd9,
                         duet_rng_uniform(&rb) < SIM_UNDOTTED_FRACTION))
                return DUET_ENOMEM;
        }
        x->n_persons++;
        x->n_multi += m >= 2;
        c->n_bg_conditions += m;
    }
    for (int j = 0; j < n; j++) {
        if (!(duet_rng_uniform(&rb) < SIM_EXAM_RATE)) continue;
        if (add_cond(b, j, b->day[j] >= icd10_from ? sim_exam_icd10 : sim_exam_icd9,
                     duet_rng_uniform(&rb) < SIM_UNDOTTED_FRACTION))
            return DUET_ENOMEM;
    }
    qsort(b->cond, (size_t)b->n_cond, sizeof *b->cond, cmp_cond);

    /* Measurements */
    for (int t = 0; t < sim_n_traits; t++) {
        const sim_trait_t *tr = &sim_traits[t];
        if (tr->binary) continue;
        double p = tr->p_measured;
        if (tr->measured_case_trait >= 0 && c->status[(size_t)tr->measured_case_trait * N + i] == 1)
            p = tr->p_measured_case;
        if (!(duet_rng_uniform(r) < p)) continue;
        c->n_measured[t]++;
        uint64_t m = 1 + duet_rng_poisson(r, tr->rate_per_year * years);
        if (m > 200) m = 200;
        double zi = c->z[(size_t)t * N + i];
        for (uint64_t k = 0; k < m; k++) {
            int vj = (int)duet_rng_below(r, (uint64_t)n);
            double v = tr->mean + tr->sd * (zi + tr->within_sd * duet_rng_normal(r));
            if (v < tr->lo) v = tr->lo;
            if (v > tr->hi) v = tr->hi;
            double u = duet_rng_uniform(r);
            int alt = 0;
            if (u < SIM_IMPOSSIBLE_FRACTION) {
                v = u < SIM_IMPOSSIBLE_FRACTION / 2 ? -v : v * 100.0; /* sign or decimal slip */
                c->n_impossible[t]++;
            } else if (tr->alt_unit_concept_id && u < SIM_IMPOSSIBLE_FRACTION + SIM_ALT_UNIT_FRACTION) {
                v = (v - tr->alt_shift) * tr->alt_scale;
                alt = 1;
                c->n_alt_unit[t]++;
            }
            c->n_meas_rows[t]++;
            if (add_meas(b, vj, t, v, alt)) return DUET_ENOMEM;
        }
    }
    qsort(b->meas, (size_t)b->n_meas, sizeof *b->meas, cmp_meas);

    /* Rows, built in per-file buffers (flushed by the caller) */
    kstring_t *ks = b->ks;
    int bad = 0;
    int64_t first_visit = *visit_id + 1;
    for (int j = 0; j < n; j++) {
        const visit_t *v = &b->visit[j];
        kstring_t *o = &ks[F_VISIT];
        int64_t id = ++*visit_id;
        bad |= kputll(id, o) < 0 || kputc(',', o) < 0 || kputll(pid, o) < 0 || kputc(',', o) < 0;
        bad |= kputw(v->concept, o) < 0 || kputc(',', o) < 0;
        bad |= put_date(o, v->start) || kputsn(",,", 2, o) < 0 || put_date(o, v->end);
        bad |= kputsn(",,32817,,,", 10, o) < 0;
        bad |= kputs(v->concept == VISIT_IP ? "IP" : v->concept == VISIT_ER ? "ER" : "OP", o) < 0;
        bad |= kputsn(",,,,,,", 6, o) < 0;
        if (j > 0) bad |= kputll(id - 1, o) < 0;
        bad |= kputc('\n', o) < 0;
    }
    c->n_visits += n;
    for (int k = 0; k < b->n_cond; k++) {
        const cond_t *x = &b->cond[k];
        kstring_t *o = &ks[F_COND];
        char code[16];
        format_code(x->code, x->undotted, code);
        bad |= kputll(++*cond_id, o) < 0 || kputc(',', o) < 0 || kputll(pid, o) < 0;
        bad |= kputsn(",0,", 3, o) < 0 || put_date(o, b->visit[x->visit].start);
        bad |= kputsn(",,,,32817,,,,", 13, o) < 0 || kputll(first_visit + x->visit, o) < 0;
        bad |= kputsn(",,", 2, o) < 0 || kputs(code, o) < 0 || kputsn(",0,\n", 4, o) < 0;
    }
    c->n_conditions += b->n_cond;
    for (int k = 0; k < b->n_meas; k++) {
        const meas_t *x = &b->meas[k];
        const sim_trait_t *tr = &sim_traits[x->trait];
        kstring_t *o = &ks[F_MEAS];
        int dec = x->alt_unit ? tr->alt_decimals : tr->decimals;
        double v = round_to(x->value, dec);
        if (v == 0) v = 0; /* no "-0" */
        bad |= kputll(++*meas_id, o) < 0 || kputc(',', o) < 0 || kputll(pid, o) < 0 || kputc(',', o) < 0;
        bad |= kputw(tr->concept_id, o) < 0 || kputc(',', o) < 0 || put_date(o, b->visit[x->visit].start);
        bad |= kputsn(",,,32817,,", 10, o) < 0 || ksprintf(o, "%.*f", dec, v) < 0;
        bad |= kputsn(",,", 2, o) < 0;
        bad |= kputw(x->alt_unit ? tr->alt_unit_concept_id : tr->unit_concept_id, o) < 0;
        bad |= kputsn(",,,,", 4, o) < 0 || kputll(first_visit + x->visit, o) < 0 || kputsn(",,", 2, o) < 0;
        bad |= kputs(tr->loinc, o) < 0 || kputc(',', o) < 0 || kputw(tr->concept_id, o) < 0;
        bad |= kputc(',', o) < 0 || kputs(x->alt_unit ? tr->alt_unit : tr->unit, o) < 0;
        bad |= kputsn(",,,,\n", 5, o) < 0;
    }
    if (bad) return duet_log_oom(ks[F_VISIT].m + ks[F_COND].m + ks[F_MEAS].m);
    c->n_measurements += b->n_meas;
    return DUET_OK;
}

duet_err_t sim_write_omop(sim_cohort_t *c, duet_outdir_t *dir)
{
    duet_err_t err = DUET_OK;
    duet_out_t *out[F_N] = { NULL };
    buffers_t b = { 0 };
    b.visit = duet_malloc(MAX_VISITS * sizeof *b.visit);
    b.day = duet_malloc(MAX_VISITS * sizeof *b.day);
    b.idx = duet_malloc(MAX_VISITS * sizeof *b.idx);
    b.bg = duet_malloc(((size_t)c->bg.n + 1) * sizeof *b.bg);
    if (!b.visit || !b.day || !b.idx || !b.bg) { err = DUET_ENOMEM; goto cleanup; }
    for (int f = 0; f < F_N; f++) {
        err = sim_open(dir, file_name[f], &out[f]);
        if (!err) err = duet_out_puts(out[f], file_header[f]);
        if (err) goto cleanup;
    }
    int64_t visit_id = 0, cond_id = 0, meas_id = 0;
    for (int i = 0; i < c->n_samples; i++) {
        err = person_rows(c, i, &b, &visit_id, &cond_id, &meas_id);
        if (err) goto cleanup;
        for (int f = 0; f < F_N; f++) {
            if (b.ks[f].l < (1 << 16) && i + 1 < c->n_samples) continue;
            err = duet_out_write(out[f], b.ks[f].s, b.ks[f].l);
            if (err) goto cleanup;
            b.ks[f].l = 0;
        }
    }
    for (int f = 0; f < F_N; f++) {
        err = duet_out_commit(out[f], NULL);
        if (err) goto cleanup;
    }
cleanup:
    for (int f = 0; f < F_N; f++) duet_out_destroy(out[f]);
    free(b.visit);
    free(b.day);
    free(b.idx);
    free(b.bg);
    free(b.cond);
    free(b.meas);
    for (int f = 0; f < F_N; f++) free(b.ks[f].s);
    return err;
}
