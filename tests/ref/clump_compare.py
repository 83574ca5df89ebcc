#!/usr/bin/env python3
"""tests/ref/clump_compare.py DUET.clumped PLINK.clumped

Compare duet clump's .clumped with plink 1.9's: the index variants as
(CHR, BP, P to 1%: both print 3 digits, rounded differently) and, per
index variant, TOTAL, the p-value classes (NSIG S05 S01 S001 S0001) and
the SP2 list (as a set).  Prints one line per difference (up to 20), then
"index=N both=N only_duet=N only_plink=N counts_differ=N"; exit 1 on any
difference."""
import sys


def read(path):
    rows = {}
    with open(path) as f:
        header = None
        for line in f:
            w = line.split()
            if not w:
                continue
            if header is None:
                header = w
                continue
            r = dict(zip(header, w))
            key = (r['CHR'], int(r['BP']))
            # several index variants at one position (split multi-allelic
            # records): keep them all, in file order
            # IDs compared with ':' and '_' alike (CHR:POS:REF:ALT vs CHR_POS_REF_ALT)
            sp2 = '' if r['SP2'] == 'NONE' else ','.join(sorted(x.split('(')[0].replace(':', '_') for x in r['SP2'].split(',')))
            rows.setdefault(key, []).append(
                (float(r['P']), tuple(int(r[c]) for c in ('TOTAL', 'NSIG', 'S05', 'S01', 'S001', 'S0001')), sp2))
    return rows


duet, plink = read(sys.argv[1]), read(sys.argv[2])
shown = 0
def show(msg):
    global shown
    if shown < 20:
        print(msg)
    shown += 1
only_d = sorted(set(duet) - set(plink))
only_p = sorted(set(plink) - set(duet))
for k in only_d:
    show('only duet: %s:%d p=%g' % (k[0], k[1], duet[k][0][0]))
for k in only_p:
    show('only plink: %s:%d p=%g' % (k[0], k[1], plink[k][0][0]))
both = sorted(set(duet) & set(plink))
differ = 0
for k in both:
    d = sorted(duet[k])
    p = sorted(plink[k])
    if len(d) != len(p) or any(a[1] != b[1] or a[2] != b[2] or abs(a[0] - b[0]) > 1e-2 * max(a[0], b[0]) for a, b in zip(d, p)):
        differ += 1
        show('%s:%d duet %s plink %s' % (k[0], k[1], d, p))
n_d = sum(len(v) for v in duet.values())
print('index=%d both=%d only_duet=%d only_plink=%d counts_differ=%d' %
      (n_d, len(both), len(only_d), len(only_p), differ))
sys.exit(1 if (only_d or only_p or differ) else 0)
