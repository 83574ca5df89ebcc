#!/usr/bin/env python3
"""plot_check.py -- inputs and independent checks for tests/cli/plot.sh
(Python standard library only).

  plot_check.py sumstats N SEED > F.tsv      GWAS-SSF table, 3 planted peaks
  plot_check.py phewas PHEINFO SEED > F.tsv  PheWAS table of two variants
  plot_check.py manhattan SVG TSV            checks, one "ok"/"not ok" line each
  plot_check.py qq SVG TSV
  plot_check.py phewas-check SVG TSV ID
"""
import math
import random
import statistics
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
SSF = ("chromosome base_pair_location effect_allele other_allele beta odds_ratio "
       "standard_error effect_allele_frequency p_value neg_log_10_p_value ci_upper "
       "ci_lower rsid variant_id info n").split()


def ok(cond, name, detail=""):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond and detail:
        print("#   " + detail)


def gen_sumstats(n, seed):
    rnd = random.Random(seed)
    print("\t".join(SSF))
    chroms = [str(c) for c in range(1, 23)] + ["X"]
    peaks = {("3", 50_000_000): (40, "rs_top3"), ("7", 20_000_000): (12, "rs_top7"),
             ("12", 10_000_000): (7.5, "rs_top12")}
    for c in chroms:
        length = 250_000_000 // (int(c) if c.isdigit() else 2)
        for p in sorted(rnd.sample(range(1, length), n // len(chroms))):
            mlp = -math.log10(rnd.random())
            rs = "rs%d" % rnd.randint(1, 10**8) if rnd.random() < 0.9 else "#NA"
            for (pc, pp), (h, name) in peaks.items():
                if pc == c and abs(p - pp) < 300_000:
                    mlp = max(mlp, h * math.exp(-abs(p - pp) / 60_000) * rnd.uniform(0.8, 0.95))
            pv = "%.6g" % 10 ** -mlp
            if rnd.random() < 0.002:
                pv = mlp_s = "#NA"
            else:
                mlp_s = "%.6f" % mlp
            print("\t".join([c, str(p), "A", "G", "0.01", "#NA", "0.01", "0.3", pv, mlp_s,
                             "#NA", "#NA", rs, "%s_%d_G_A" % (c, p), "#NA", "1000"]))
        if c in ("3", "7", "12"):  # the peak tops, exact
            for (pc, pp), (h, name) in peaks.items():
                if pc == c:
                    print("\t".join([c, str(pp), "A", "G", "0.1", "#NA", "0.01", "0.3",
                                     "%.6g" % 10 ** -h, "%.6f" % h, "#NA", "#NA", name,
                                     "%s_%d_G_A" % (c, pp), "#NA", "1000"]))


def gen_phewas(pheinfo, seed):
    import csv
    rnd = random.Random(seed)
    rows = list(csv.DictReader(open(pheinfo)))
    cols = ("variant_id phecode description category n_cases n_controls beta standard_error "
            "odds_ratio ci_lower ci_upper p_value neg_log_10_p_value q_value bonferroni test "
            "errcode").split()
    print("\t".join(cols))
    hits = {"250.2": (11.0, 0.3), "401.1": (9.0, 0.2), "272.1": (8.0, 0.25), "296.2": (6.5, -0.4)}
    for vid in ["1_1000_A_G", "rs999"]:
        for r in rows:
            mlp, beta = -math.log10(rnd.random()), rnd.gauss(0, 0.1)
            if vid == "1_1000_A_G" and r["phecode"] in hits:
                mlp, beta = hits[r["phecode"]]
            bad = rnd.random() < 0.02 and r["phecode"] not in hits
            print("\t".join([vid, r["phecode"], r["description"], r["group"],
                             "<20" if rnd.random() < 0.1 else "120", "5000",
                             "#NA" if bad else "%.4f" % beta, "0.05", "%.4f" % math.exp(beta),
                             "#NA", "#NA", "#NA" if bad else "%.6g" % 10 ** -mlp,
                             "#NA" if bad else "%.6f" % mlp, "#NA", "0",
                             "firth" if bad else "logistic", "separation" if bad else "."]))
        # a description that needs escaping, significant for the first variant
        mlp = 7.2 if vid == "1_1000_A_G" else 0.1
        print("\t".join([vid, "999.9", "Tom & Jerry <syndrome> \"quoted\"", "symptoms", "120",
                         "5000", "0.5", "0.05", "1.6", "#NA", "#NA", "%.6g" % 10 ** -mlp,
                         "%.6f" % mlp, "#NA", "1", "logistic", "."]))


def read_table(path):
    lines = open(path).read().splitlines()
    hdr = lines[0].lstrip("#").split("\t")
    return [dict(zip(hdr, l.split("\t"))) for l in lines[1:]]


def y_mapping(root):
    """value -> pixel from the y-axis ticks (linear fit through two ticks)."""
    ticks = []
    for g in root.iter(NS + "g"):
        if g.get("class") == "ytick":
            line, text = g.find(NS + "line"), g.find(NS + "text")
            ticks.append((float(text.text), float(line.get("y1"))))
    (v0, y0), (v1, y1) = ticks[0], ticks[-1]
    return lambda v: y0 + (v - v0) * (y1 - y0) / (v1 - v0), len(ticks)


def by_id(root, ident):
    for e in root.iter():
        if e.get("id") == ident:
            return e
    return None


def check_manhattan(svg, tsv):
    root = ET.parse(svg).getroot()
    ok(True, "manhattan: well-formed XML")
    rows = read_table(tsv)
    good = [r for r in rows if r["neg_log_10_p_value"] != "#NA"]
    chroms = sorted({r["chromosome"] for r in good})
    groups = [g for g in root.iter(NS + "g") if g.get("class") == "chromosome"]
    ok(len(groups) == len(chroms), "manhattan: one group per chromosome (%d)" % len(chroms),
       "%d groups" % len(groups))
    order = [g.get("data-chromosome") for g in groups]
    want = [str(c) for c in range(1, 23)] + ["X"]
    ok(order == want, "manhattan: chromosomes in order 1..22, X", " ".join(order))
    fills = [g.get("fill") for g in groups]
    ok(all(fills[i] != fills[i + 1] for i in range(len(fills) - 1)),
       "manhattan: neighbouring chromosomes have different colours")
    circles = sum(1 for _ in root.iter(NS + "circle"))
    strong = sum(1 for r in good if float(r["neg_log_10_p_value"]) >= 3)
    ok(strong <= circles < len(good), "manhattan: thinned (%d of %d points), all %d with "
       "p < 1e-3 kept" % (circles, len(good), strong), "%d circles" % circles)
    ymap, nt = y_mapping(root)
    ok(nt >= 3, "manhattan: y ticks (%d)" % nt)
    for ident, p in (("genome-wide", 5e-8), ("suggestive", 1e-5)):
        line = by_id(root, ident)
        ok(line is not None and abs(float(line.get("y1")) - ymap(-math.log10(p))) < 0.05,
           "manhattan: %s line at -log10(%g)" % (ident, p))
    labels = [t.text for t in root.iter(NS + "text") if t.get("class") == "label"]
    ok(labels[:3] == ["rs_top3", "rs_top7", "rs_top12"],
       "manhattan: top loci labelled strongest first, one label per locus", repr(labels))
    # every p < 1e-3 point is drawn where it belongs vertically
    top = max(good, key=lambda r: float(r["neg_log_10_p_value"]))
    ys = [float(c.get("cy")) for c in root.iter(NS + "circle")]
    ok(any(abs(y - ymap(float(top["neg_log_10_p_value"]))) < 0.06 for y in ys),
       "manhattan: the strongest point is drawn at its -log10 p")


def check_qq(svg, tsv):
    root = ET.parse(svg).getroot()
    ok(True, "qq: well-formed XML")
    rows = read_table(tsv)
    # lambda GC over variants with MAF >= 1% when the table has frequencies
    def common(r):
        f = r.get("effect_allele_frequency", "#NA")
        return f == "#NA" and "effect_allele_frequency" not in r or \
            (f != "#NA" and min(float(f), 1 - float(f)) >= 0.01)
    ps = [float(r["p_value"]) for r in rows if r["p_value"] != "#NA" and common(r)]
    nd = statistics.NormalDist()
    chi = sorted(nd.inv_cdf(p / 2) ** 2 for p in ps)
    lam = statistics.median(chi) / 0.4549364
    el = by_id(root, "lambda-gc")
    txt = "".join(el.itertext()) if el is not None else ""
    got = float(txt.split("=")[1]) if "=" in txt else float("nan")
    ok(abs(got - lam) < 2e-4, "qq: lambda GC %.4f matches an independent %.5f" % (got, lam), txt)
    if rows and "effect_allele_frequency" in rows[0]:
        bins = [by_id(root, "lambda-maf-%d" % g) for g in range(1, 5)]
        ok(all(b is not None for b in bins), "qq: lambda GC per MAF bin and over every variant")
    title = root.find(NS + "title").text
    ok("lambda GC = %s" % txt.split("= ")[1] in title, "qq: lambda GC in the document title", title)
    ok(by_id(root, "band") is not None and by_id(root, "band").tag == NS + "polygon",
       "qq: 95% band polygon")
    ok(by_id(root, "diagonal") is not None, "qq: diagonal line")
    n = by_id(root, "n-tests")
    ok(n is not None and n.text == "n = %d" % len(ps), "qq: number of tests shown",
       n.text if n is not None else "")
    circles = sum(1 for _ in root.iter(NS + "circle"))
    ok(0 < circles < len(ps), "qq: thinned to %d points" % circles)


def check_phewas(svg, tsv, ident):
    root = ET.parse(svg).getroot()
    ok(True, "phewas: well-formed XML")
    rows = [r for r in read_table(tsv) if r["variant_id"] == ident and r["p_value"] != "#NA"]
    n = len(rows)
    cats = {r["category"] for r in rows}
    groups = [g for g in root.iter(NS + "g") if g.get("class") == "category"]
    ok(len(groups) == len(cats), "phewas: one group per category (%d)" % len(cats),
       "%d groups" % len(groups))
    ok(len({g.get("fill") for g in groups}) == min(len(cats), 20),
       "phewas: categories in distinct colours")
    # categories ordered by their smallest numeric phecode
    def key(r):
        try:
            return (0, float(r["phecode"]), r["phecode"])
        except ValueError:
            return (1, 0.0, r["phecode"])
    first = {}
    for r in rows:
        c = r["category"]
        first[c] = min(first.get(c, key(r)), key(r))
    want = sorted(cats, key=lambda c: (first[c], c))
    got = [g.get("data-category") for g in groups]
    ok(got == want, "phewas: categories ordered by their first phecode", " | ".join(got[:5]))
    paths = list(root.iter(NS + "path"))
    up = sum(1 for p in paths if p.get("class") == "up")
    down = sum(1 for p in paths if p.get("class") == "down")
    wup = sum(1 for r in rows if r["beta"] != "#NA" and float(r["beta"]) > 0)
    wdown = sum(1 for r in rows if r["beta"] != "#NA" and float(r["beta"]) < 0)
    ok(up == wup and down == wdown, "phewas: %d up and %d down triangles" % (wup, wdown),
       "got %d up, %d down" % (up, down))
    ymap, _ = y_mapping(root)
    b = by_id(root, "bonferroni")
    want_y = ymap(-math.log10(0.05 / n))
    ok(b is not None and abs(float(b.get("y1")) - want_y) < 0.05,
       "phewas: Bonferroni line at -log10(0.05/%d)" % n,
       "y %s, want %.2f" % (b.get("y1") if b is not None else "-", want_y))
    labels = [t.text for t in root.iter(NS + "text") if t.get("class") == "label"]
    bonf = -math.log10(0.05 / n)
    want_l = [r["description"] for r in sorted(rows, key=lambda r: -float(r["neg_log_10_p_value"]))
              if float(r["neg_log_10_p_value"]) >= bonf][:10]
    ok(sorted(labels) == sorted(want_l), "phewas: hits above the line labelled (%d)" % len(want_l),
       repr(labels))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "sumstats":
        gen_sumstats(int(sys.argv[2]), int(sys.argv[3]))
    elif cmd == "phewas":
        gen_phewas(sys.argv[2], int(sys.argv[3]))
    elif cmd == "manhattan":
        check_manhattan(sys.argv[2], sys.argv[3])
    elif cmd == "qq":
        check_qq(sys.argv[2], sys.argv[3])
    elif cmd == "phewas-check":
        check_phewas(sys.argv[2], sys.argv[3], sys.argv[4])
