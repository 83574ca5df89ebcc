/*
 * meta_gen.c -- summary statistics for bench/meta.sh: one study's GWAS-SSF
 * table (plain TSV on stdout) of N variants spread over chromosomes 1-22
 * in duet meta's sort order.  Studies made with the same N share their
 * variants; each drops about 2% of them (seeded by its number), and odd
 * studies write about a third of their variants with the alleles swapped,
 * so that the merge, the alignment and every statistic are exercised.
 *
 *   build/bench/meta_gen N STUDY > study.tsv
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64 */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double unif(uint64_t *s) { return ((next(s) >> 11) + 0.5) / 9007199254740992.0; }

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: meta_gen N STUDY\n");
        return 2;
    }
    long long n = atoll(argv[1]);
    int study = atoi(argv[2]);
    static const char bases[] = "ACGT";
    uint64_t site = 12345, own = 1000 + (uint64_t)study;
    long long per_chrom = n / 22 + 1;
    printf("chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\t"
           "standard_error\teffect_allele_frequency\tp_value\tn\n");
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    for (long long v = 0; v < n; v++) {
        int chrom = (int)(v / per_chrom) + 1;
        long long pos = (v % per_chrom) * 100 + 1 + (long long)(next(&site) % 50);
        int a = (int)(next(&site) % 4), b = (a + 1 + (int)(next(&site) % 3)) % 4;
        double f = 0.01 + 0.98 * unif(&site), effect = 0.02 * (unif(&site) - 0.5);
        /* this study's draws */
        if (unif(&own) < 0.02) continue;
        double nn = 1000 + 4000 * (study % 3);
        double se = 1 / sqrt(2 * f * (1 - f) * nn);
        double z = sqrt(-2 * log(unif(&own))) * cos(6.283185307179586 * unif(&own));
        double beta = effect + se * z;
        double p = erfc(fabs(beta / se) / sqrt(2));
        int swap = study % 2 && unif(&own) < 0.33;
        printf("%d\t%lld\t%c\t%c\t%.6g\t%.6g\t%.6g\t%.6g\t%.0f\n", chrom, pos,
               bases[swap ? b : a], bases[swap ? a : b], swap ? -beta : beta, se,
               swap ? 1 - f : f, p, nn);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
