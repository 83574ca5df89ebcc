#!/usr/bin/env python3
"""ld_check.py -- an independent reader of duet's LD reference format
(man duet-ld, include/duet/ldref.h), for tests/cli/ld.sh.

  ld_check.py dump RAW            the decoded file as text (one line per
                                  variant, then the upper triangle, 6 decimals)
  ld_check.py compare RAW VCF     recompute every block's correlations from
                                  the VCF's GT calls (mean-imputed,
                                  standardised) and compare; prints
                                  "max_abs_diff D", "blocks N", "sizes ...",
                                  "freq_diff F", "eigmin E"
RAW is the zstd-decompressed file (zstd -dc P.ld.zst > RAW).
"""
import math
import struct
import sys


def parse(path):
    data = open(path, 'rb').read()
    off = 0

    def take(n):
        nonlocal off
        if off + n > len(data):
            raise SystemExit('truncated at %d' % off)
        b = data[off:off + n]
        off += n
        return b

    def u32():
        return struct.unpack('<I', take(4))[0]

    def u64():
        return struct.unpack('<Q', take(8))[0]

    def string():
        return take(u32()).decode()

    assert take(8) == b'DUETLD\r\n', 'magic'
    version, value_bytes, n_samples = u32(), u32(), u32()
    assert version == 1 and value_bytes == 4
    prov = string()
    blocks = []
    while True:
        m = u32()
        if m == 0:
            break
        variants = []
        for _ in range(m):
            chrom = string()
            pos = struct.unpack('<q', take(8))[0]
            vid, ref, alt = string(), string(), string()
            af = struct.unpack('<d', take(8))[0]
            variants.append((chrom, pos, vid, ref, alt, af))
        r = [[0.0] * m for _ in range(m)]
        for i in range(m):
            for j in range(i, m):
                r[i][j] = r[j][i] = struct.unpack('<f', take(4))[0]
        blocks.append((variants, r))
    nv, nb = u64(), u64()
    # FNV-1a 64 of everything before the hash
    h = 0xcbf29ce484222325
    for byte in data[:off]:
        h = ((h ^ byte) * 0x100000001b3) & 0xffffffffffffffff
    stored = u64()
    assert off == len(data), 'trailing bytes'
    assert stored == h, 'hash'
    assert nv == sum(len(b[0]) for b in blocks) and nb == len(blocks), 'counts'
    return n_samples, prov, blocks


def read_vcf(path):
    out = {}
    for line in open(path):
        if line.startswith('#'):
            continue
        f = line.rstrip('\n').split('\t')
        x = []
        for g in f[9:]:
            a = g.split(':')[0].replace('|', '/').split('/')
            x.append(None if '.' in a else sum(int(c) for c in a))
        out[(f[0], int(f[1]), f[3], f[4])] = x
    return out


def std(x):
    called = [v for v in x if v is not None]
    mean = sum(called) / len(called)
    y = [mean if v is None else v for v in x]
    mu = sum(y) / len(y)
    sd = math.sqrt(sum((v - mu) ** 2 for v in y) / len(y))
    return [(v - mu) / sd for v in y], sum(called) / (2 * len(called))


def eigmin(r):
    """Smallest eigenvalue by Jacobi rotations (small blocks)."""
    n = len(r)
    a = [row[:] for row in r]
    for _ in range(100):
        off = sum(a[i][j] ** 2 for i in range(n) for j in range(n) if i != j)
        if off < 1e-20:
            break
        for p in range(n):
            for q in range(p + 1, n):
                if abs(a[p][q]) < 1e-300:
                    continue
                theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                t = (1 if theta >= 0 else -1) / (abs(theta) + math.sqrt(theta * theta + 1))
                c = 1 / math.sqrt(t * t + 1)
                s = t * c
                for k in range(n):
                    akp, akq = a[k][p], a[k][q]
                    a[k][p], a[k][q] = c * akp - s * akq, s * akp + c * akq
                for k in range(n):
                    apk, aqk = a[p][k], a[q][k]
                    a[p][k], a[q][k] = c * apk - s * aqk, s * apk + c * aqk
    return min(a[i][i] for i in range(n))


def main():
    n_samples, prov, blocks = parse(sys.argv[2])
    if sys.argv[1] == 'dump':
        print('samples', n_samples)
        for variants, r in blocks:
            print('block', len(variants))
            for v in variants:
                print('\t'.join(str(x) for x in v[:5]) + '\t%.6f' % v[5])
            for i in range(len(r)):
                print(' '.join('%.6f' % r[i][j] for j in range(i, len(r))))
        return
    vcf = read_vcf(sys.argv[3])
    diff = fdiff = 0.0
    emin = 1.0
    for variants, r in blocks:
        cols = []
        for (chrom, pos, vid, ref, alt, af) in variants:
            z, f = std(vcf[(chrom, pos, ref, alt)])
            cols.append(z)
            fdiff = max(fdiff, abs(f - af))
        n = len(cols[0])
        for i in range(len(cols)):
            for j in range(len(cols)):
                want = sum(a * b for a, b in zip(cols[i], cols[j])) / n
                diff = max(diff, abs(want - r[i][j]))
        emin = min(emin, eigmin(r))
    print('samples', n_samples)
    print('provenance', prov.replace('\n', ' | ') if prov else '-')
    print('blocks', len(blocks))
    print('sizes', ' '.join(str(len(b[0])) for b in blocks))
    print('max_abs_diff %.3g' % diff)
    print('freq_diff %.3g' % fdiff)
    print('eigmin %.3g' % emin)


main()
