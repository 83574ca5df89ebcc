# tests/cli/simulate.sh -- duet simulate: expected outputs of a small cohort,
# determinism across thread counts and seeds, the BCF read back by bcftools,
# the allele-frequency spectrum, disease codes checked against the phecode
# 1.2 tables, OMOP headers checked against the CDM 5.4 field specification,
# the EHR checked against truth.tsv, planted effects recovered with R, and
# the failure cases (no partial output, SIGTERM included).
. "$TOP/tests/lib.sh"

EXP=$TOP/tests/expected/simulate
PHECODES=$DATA/phecode-sources/v1.2
CDM=$DATA/omop-cdm-5.4/OMOP_CDMv5.4_Field_Level.csv
SIM="$DUET simulate --no-version --quiet"
differs() { ! cmp -s "$1" "$2"; }

# ---------------------------------------------------------------- expected
t_run "200 x 500 cohort" 0 $SIM --samples 200 --variants 500 --seed 11 --threads 1 -o "$WORK/a"
A=$WORK/a
for f in annotations.tsv setlist.tsv masks.txt pheno.tsv covar.tsv omics.tsv truth.tsv \
         omop/person.csv omop/observation_period.csv; do
    t_expect "expected $f" "$EXP/$f" "$A/$f"
done
# The larger tables and the genotypes: checksums of their content.
( cd "$A" && md5sum background.tsv omop/visit_occurrence.csv omop/condition_occurrence.csv omop/measurement.csv
  printf '%s  bcftools view -H genotypes.bcf\n' "$(bcftools view -H genotypes.bcf | md5sum | cut -d' ' -f1)"
  printf '%s  bcftools view -h genotypes.bcf (without bcftools lines)\n' \
      "$(bcftools view -h genotypes.bcf | grep -v '^##bcftools' | md5sum | cut -d' ' -f1)"
) >"$WORK/checksums.md5"
t_expect "expected checksums (large OMOP tables, BCF records and header)" "$EXP/checksums.md5" "$WORK/checksums.md5"
t_no_partial "no temporaries left in the output" "$A"
n=$(find "$A" -type f | wc -l)
t_true "fifteen files: 8 tables, the BCF and its index, 5 OMOP tables ($n)" [ "$n" -eq 15 ]

# ---------------------------------------------------------------- determinism
t_run "same cohort on 2 threads" 0 $SIM --samples 200 --variants 500 --seed 11 --threads 2 -o "$WORK/b"
diffs=$(cd "$A" && find . -type f | sort | while read -r f; do cmp -s "$f" "$WORK/b/$f" || echo "$f"; done)
t_true "--threads 1 and 2 give identical bytes (all files, BCF and CSI included) ${diffs}" [ -z "$diffs" ]
t_run "same cohort on 3 threads" 0 $SIM --samples 200 --variants 500 --seed 11 --threads 3 -o "$WORK/b3"
t_true "--threads 3 gives the same BCF" cmp -s "$A/genotypes.bcf" "$WORK/b3/genotypes.bcf"
t_run "another seed" 0 $SIM --samples 200 --variants 500 --seed 12 -o "$WORK/c"
t_true "another seed gives other genotypes" \
    [ "$(bcftools view -H "$A/genotypes.bcf" | md5sum)" != "$(bcftools view -H "$WORK/c/genotypes.bcf" | md5sum)" ]
t_true "another seed gives other phenotypes" differs "$A/pheno.tsv" "$WORK/c/pheno.tsv"
t_true "another seed gives other records" differs "$A/omop/visit_occurrence.csv" "$WORK/c/omop/visit_occurrence.csv"
t_run "--force replaces the folder" 0 $SIM --samples 200 --variants 500 --seed 12 --force -o "$WORK/b"
t_true "--force output is the new cohort" cmp -s "$WORK/b/pheno.tsv" "$WORK/c/pheno.tsv"
t_no_partial "no temporaries after --force" "$WORK"
t_run "provenance lines by default" 0 "$DUET" simulate --quiet --samples 20 --variants 100 -o "$WORK/prov"
t_grep "truth.tsv carries the version" '^# duet 0\.' "$WORK/prov/truth.tsv"
bcftools view -h "$WORK/prov/genotypes.bcf" >"$WORK/prov.h"
t_grep "the BCF carries the command line" '^##duet_simulateCommand=duet simulate' "$WORK/prov.h"
t_nogrep "--no-version omits it" '^##duet_' <(bcftools view -h "$A/genotypes.bcf")

# ---------------------------------------------------------------- BCF
t_run "bcftools index -s reads the CSI index" 0 bcftools index -s "$A/genotypes.bcf"
total=$(awk '{s += $3} END {print s}' "$WORK/out")
t_true "index counts all 500 records ($total)" [ "$total" -eq 500 ]
t_true "index lists several chromosomes" [ "$(wc -l <"$WORK/out")" -ge 5 ]
bcftools view -h "$A/genotypes.bcf" >"$WORK/hdr"
t_grep "contig 1 has its GRCh37 length" '^##contig=<ID=1,length=249250621' "$WORK/hdr"
t_grep "contig 22 has its GRCh37 length" '^##contig=<ID=22,length=51304566' "$WORK/hdr"
t_grep "samples are S000001..." $'\tS000001\tS000002\t' "$WORK/hdr"
bcftools query -f '%CHROM\t%POS\t%ID\t%REF\t%ALT\n' "$A/genotypes.bcf" >"$WORK/sites"
t_true "IDs are chrom:pos:ref:alt" [ "$(awk '$3 != $1":"$2":"$4":"$5' "$WORK/sites" | wc -l)" -eq 0 ]
t_true "biallelic SNVs" [ "$(awk 'length($4) != 1 || length($5) != 1 || $5 ~ /,/' "$WORK/sites" | wc -l)" -eq 0 ]
t_true "positions sorted and unique" \
    [ "$(awk 'NR > 1 && $1 == c && $2 <= p {bad++} {c = $1; p = $2} END {print bad + 0}' "$WORK/sites")" -eq 0 ]
bcftools query -f '[%GT\n]' "$A/genotypes.bcf" | sort | uniq -c | awk '{print $2}' >"$WORK/gts"
t_true "genotypes are phased or missing" [ "$(grep -cvE '^([01]\|[01]|\./\.)$' "$WORK/gts")" -eq 0 ]
t_grep "some genotypes are missing" '^\./\.$' "$WORK/gts"
region=$(awk 'NR == 250 {print $1":"$2"-"$2}' "$WORK/sites")
want=$(awk 'NR == 250 {print $3}' "$WORK/sites")
t_true "a region query through the index finds record 250" \
    [ "$(bcftools view -H -r "$region" "$A/genotypes.bcf" | cut -f3)" = "$want" ]
# every annotated variant is in the BCF, every set lists annotated variants
t_true "annotations name BCF variants" \
    [ "$(cut -f1 "$A/annotations.tsv" | sort | comm -23 - <(cut -f3 "$WORK/sites" | sort) | wc -l)" -eq 0 ]
t_true "set lists hold annotated variants" \
    [ "$(cut -d' ' -f4 "$A/setlist.tsv" | tr ',' '\n' | sort | comm -3 - <(cut -f1 "$A/annotations.tsv" | sort) | wc -l)" -eq 0 ]
t_true "annotations are pLoF/missense/synonymous" \
    [ "$(cut -f3 "$A/annotations.tsv" | grep -cvE '^(pLoF|missense|synonymous)$')" -eq 0 ]

# ---------------------------------------------------------------- a 2,000-person cohort
t_run "2000 x 2000 cohort" 0 $SIM --samples 2000 --variants 2000 --seed 5 --threads 2 -o "$WORK/k"
K=$WORK/k
bcftools +fill-tags "$K/genotypes.bcf" -- -t MAF 2>/dev/null | bcftools query -f '%MAF\n' >"$WORK/maf"
read -r n_all n_rare n_mono <<<"$(awk '{n++; if ($1 < 0.01) r++; if ($1 == 0) m++} END {print n, r, m + 0}' "$WORK/maf")"
t_true "bcftools +fill-tags: MAF of 2000 variants ($n_all)" [ "$n_all" -eq 2000 ]
t_true "spectrum mostly rare: $n_rare of $n_all with MAF < 1% (60-80%)" \
    [ "$n_rare" -ge 1200 ] && [ "$n_rare" -le 1600 ]
t_true "rare count agrees with truth.tsv" \
    [ "$(awk -F'\t' '$4 == "rare_variants" {print $9}' "$K/truth.tsv")" -eq "$n_rare" ]

# ICD codes -> phecodes, with the phecode 1.2 tables (independent Python).
cat >"$WORK/phecodes.py" <<'EOF'
import csv, sys
truth, phe = sys.argv[1], sys.argv[2]
m = {}
for r in csv.DictReader(open(phe + "/PheWAS_pkg_phecode_map.csv")):
    m.setdefault((r["vocabulary_id"], r["code"]), set()).add(r["phecode"])
up = {}
for r in csv.DictReader(open(phe + "/PheWAS_pkg_phecode_rollup_map.csv")):
    up.setdefault(r["code"], set()).add(r["phecode_unrolled"])  # phecode -> what it rolls up into
defs = {r["phecode"]: r for r in csv.DictReader(open(phe + "/phecode_definitions1.2.csv"))}
rows = [r for r in csv.DictReader((l for l in open(truth) if not l.startswith("#")), delimiter="\t")]
n = 0
for r in rows:
    if r["kind"] != "binary" or r["source"] != "definition":
        continue
    want = r["phecode"]
    if want not in defs:
        print("not ok - %s: phecode %s is not a phecode 1.2 code" % (r["trait"], want)); continue
    for voc, col in (("ICD10CM", "icd10"), ("ICD9CM", "icd9")):
        for code in r[col].split(","):
            got = m.get((voc, code), set())
            rolled = set().union(*[up.get(p, {p}) for p in got]) if got else set()
            ok = want in rolled
            n += 1
            print("%s - %s %s %s maps to phecode %s (map: %s)" % ("ok" if ok else "not ok", r["trait"], voc, code, want, ",".join(sorted(got)) or "none"))
    if r["trait"] == "breast_cancer":
        print("%s - phecode %s is female-only" % ("ok" if defs[want]["sex"] == "Female" else "not ok", want))
print("ok - %d disease codes checked" % n if n >= 12 else "not ok - only %d codes" % n)
EOF
python3 "$WORK/phecodes.py" "$K/truth.tsv" "$PHECODES"

# Headers against the CDM 5.4 field specification; required fields filled.
cat >"$WORK/cdm.py" <<'EOF'
import csv, glob, os, sys
spec, folder = sys.argv[1], sys.argv[2]
fields, required = {}, {}
for r in csv.DictReader(open(spec, encoding="utf-8-sig")):
    fields.setdefault(r["cdmTableName"].lower(), []).append(r["cdmFieldName"])
    if r["isRequired"] == "Yes":
        required.setdefault(r["cdmTableName"].lower(), set()).add(r["cdmFieldName"])
files = sorted(glob.glob(folder + "/*.csv"))
print(("ok" if len(files) == 5 else "not ok") + " - five OMOP tables (%d)" % len(files))
for f in files:
    table = os.path.basename(f)[:-4]
    rd = csv.reader(open(f, newline=""))
    header = next(rd)
    want = fields.get(table)
    print(("ok" if header == want else "not ok") + " - %s header is the CDM 5.4 field list" % table)
    idx = [i for i, h in enumerate(header) if h in required.get(table, ())]
    bad = sum(1 for row in rd if len(row) != len(header) or any(row[i] == "" for i in idx))
    print(("ok" if bad == 0 else "not ok") + " - %s: every row complete, required fields filled (%d bad)" % (table, bad))
EOF
python3 "$WORK/cdm.py" "$CDM" "$K/omop"

# The EHR against truth.tsv and pheno.tsv (independent Python): cases carry
# codes, dates and vocabularies as documented, counts as truth.tsv says.
cat >"$WORK/ehr.py" <<'EOF'
import csv, sys
from collections import defaultdict
d = sys.argv[1]
def ok(cond, msg): print(("ok" if cond else "not ok") + " - " + msg)
truth = [r for r in csv.DictReader((l for l in open(d + "/truth.tsv") if not l.startswith("#")), delimiter="\t")]
defs = {r["trait"]: r for r in truth if r["kind"] == "binary" and r["source"] == "definition"}
counts = {(r["trait"], r["target"]): int(r["n"]) for r in truth if r["source"] == "count"}
code_trait = {}
for t, r in defs.items():
    for c in r["icd10"].split(",") + r["icd9"].split(","):
        code_trait[c] = t
def norm(s):  # undo the "E119   " style: strip the padding, put the dot back
    s = s.strip()
    return s if "." in s or len(s) <= 3 else s[:3] + "." + s[3:]
vocab = defaultdict(set)  # the code's vocabulary, from the phecode map
for r in csv.DictReader(open(sys.argv[2] + "/PheWAS_pkg_phecode_map.csv")):
    vocab[r["code"]].add(r["vocabulary_id"])
person = {r["person_id"]: r for r in csv.DictReader(open(d + "/omop/person.csv"))}
pheno = {r["IID"]: r for r in csv.DictReader(open(d + "/pheno.tsv"), delimiter="\t")}
dates = defaultdict(set)
undotted = total = wrong_vocab = checked = 0
for r in csv.DictReader(open(d + "/omop/condition_occurrence.csv")):
    raw = r["condition_source_value"]; total += 1
    if "." not in raw and len(raw) == 7: undotted += 1
    c = norm(raw)
    v = vocab.get(c, set())
    if len(v) == 1:
        checked += 1
        if (r["condition_start_date"] >= "2015-10-01") != ("ICD10CM" in v): wrong_vocab += 1
    if c in code_trait:
        dates[(person[r["person_id"]]["person_source_value"], code_trait[c])].add(r["condition_start_date"])
ok(checked > 0.8 * total and wrong_vocab == 0,
   "ICD-10-CM on/after 2015-10-01, ICD-9-CM before (%d of %d checked, %d wrong)" % (checked, total, wrong_vocab))
ok(0.08 < undotted / total < 0.16, "about 12%% of codes undotted and padded (%.3f)" % (undotted / total))
for t in defs:
    cases = {i for i, r in pheno.items() if r[t] == "1"}
    ctrl = {i for i, r in pheno.items() if r[t] == "0"}
    coded = {i for (i, tt) in dates if tt == t}
    multi = {i for i in cases if len(dates.get((i, t), ())) >= 2}
    ok(cases <= coded, "%s: every case has a code" % t)
    ok(len(cases) == counts[(t, "cases")], "%s: %d cases as truth.tsv says" % (t, len(cases)))
    ok(len(multi) == counts[(t, "cases_2plus_dates")], "%s: %d cases with codes on 2+ dates" % (t, len(multi)))
    ok(len(multi) > 0.7 * len(cases), "%s: most cases have 2+ dates" % t)
    ro = coded & ctrl
    ok(len(ro) == counts[(t, "controls_1_code")] and all(len(dates[(i, t)]) == 1 for i in ro),
       "%s: %d controls with a single rule-out code" % (t, len(ro)))
    ok(not (coded - cases - ctrl), "%s: no codes for ineligible people" % t)
bc_male = [i for i, r in pheno.items() if r["breast_cancer"] == "1" and person[str(int(i[1:]))]["gender_concept_id"] == "8507"]
ok(not bc_male, "breast cancer only in women")
ok(all(person[str(int(i[1:]))]["person_source_value"] == i for i in pheno), "person_source_value is the sample name")
# measurements: units, alternative units, impossible values
unit = {"3038553": "9531", "3009966": "8840", "3004249": "8876", "3004410": "8554"}
alt = {"3009966": "8753", "3004249": "44777602", "3004410": "9579"}
n = n_alt = n_bad = 0
for r in csv.DictReader(open(d + "/omop/measurement.csv")):
    n += 1
    c, u, v = r["measurement_concept_id"], r["unit_concept_id"], float(r["value_as_number"])
    ok_unit = u == unit.get(c) or u == alt.get(c)
    if not ok_unit: print("not ok - measurement unit %s for concept %s" % (u, c)); break
    n_alt += u == alt.get(c)
    n_bad += v <= 0 or v > 1000
ok(0.01 < n_alt / n < 0.05, "about 3%% of ldl/sbp/hba1c rows in another unit (%.3f of all)" % (n_alt / n))
ok(0 < n_bad < 0.01 * n, "a few impossible values (%d of %d)" % (n_bad, n))
EOF
python3 "$WORK/ehr.py" "$K" "$PHECODES"

# The background phenome (independent Python, raw phecode 1.2 sources):
# background.tsv's codes map to their phecodes and never into a planted
# disease; every condition code is planted, background or a general
# examination; persons, dates, sexes and prevalences as documented.
cat >"$WORK/background.py" <<'EOF'
import csv, math, sys
from collections import defaultdict
d, phe = sys.argv[1], sys.argv[2]
def ok(cond, msg): print(("ok" if cond else "not ok") + " - " + msg)
m = {}  # (vocabulary, code) -> phecodes; the map writes placeholders as x
for r in csv.DictReader(open(phe + "/PheWAS_pkg_phecode_map.csv")):
    m.setdefault((r["vocabulary_id"], r["code"].upper()), set()).add(r["phecode"])
up = {}
for r in csv.DictReader(open(phe + "/PheWAS_pkg_phecode_rollup_map.csv")):
    up.setdefault(r["code"], set()).add(r["phecode_unrolled"])  # phecode -> what it rolls up into
def rolled(voc, code):
    got = m.get((voc, code), set())
    return set().union(*[up.get(p, {p}) for p in got]) if got else set()
defs = {r["phecode"]: r for r in csv.DictReader(open(phe + "/phecode_definitions1.2.csv"))}
truth = [r for r in csv.DictReader((l for l in open(d + "/truth.tsv") if not l.startswith("#")), delimiter="\t")]
planted_codes, planted_phe, ranges = set(), set(), []
for r in truth:
    if r["kind"] == "binary" and r["source"] == "definition":
        planted_codes |= set(r["icd10"].split(",")) | set(r["icd9"].split(","))
        planted_phe.add(r["phecode"])
        for rg in defs[r["phecode"]]["phecode_exclude_range"].split(","):
            a, b = rg.strip().split("-"); ranges.append((float(a), float(b)))
def planted_hit(ps): return sorted(p for p in ps if p in planted_phe or any(a <= float(p) <= b for a, b in ranges))
bg = list(csv.DictReader((l for l in open(d + "/background.tsv") if not l.startswith("#")), delimiter="\t"))
ok(1500 <= len(bg) <= 1866, "%d background phecodes" % len(bg))
ok(len({r["phecode"] for r in bg}) == len(bg) and len({r["icd10"] for r in bg}) == len(bg)
   and len({r["icd9"] for r in bg}) == len(bg), "one phecode per row, each code used once")
bad_map, bad_sex, hits, bad_prev = [], [], [], []
for r in bg:
    p = r["phecode"]
    sex = defs.get(p, {}).get("sex") or "Both"
    if p not in defs or r["sex"] != sex: bad_sex.append(p)
    if not 0.0002 <= float(r["prevalence"]) <= 0.03: bad_prev.append(p)
    for voc, col in (("ICD10CM", "icd10"), ("ICD9CM", "icd9")):
        ps = rolled(voc, r[col])
        if p not in ps or any(q != p and q.startswith(p) for q in ps): bad_map.append((p, r[col]))
        hits += planted_hit(ps)
ok(not bad_map, "each ICD-10-CM and ICD-9-CM code maps to its phecode and to none more specific %s" % bad_map[:5])
ok(not bad_sex, "phecodes and sex restrictions as in phecode_definitions1.2.csv %s" % bad_sex[:5])
ok(not hits, "no background code counts toward a planted phecode or its exclusion ranges %s" % hits[:5])
ok(not bad_prev, "prevalences within [0.0002, 0.03] %s" % bad_prev[:5])
ml = sum(math.log(float(r["prevalence"])) for r in bg) / len(bg)
mid = (math.log(0.0002) + math.log(0.03)) / 2
ok(abs(ml - mid) < 0.2, "log-uniform prevalences: mean log %.3f near %.3f" % (ml, mid))
# the records
code_bg = {}
for r in bg:
    code_bg[r["icd10"]] = code_bg[r["icd9"]] = r["phecode"]
person = {r["person_id"]: r for r in csv.DictReader(open(d + "/omop/person.csv"))}
dates = defaultdict(set)
other = set()
n_rows = 0
for r in csv.DictReader(open(d + "/omop/condition_occurrence.csv")):
    c = r["condition_source_value"].strip()
    if "." not in c and len(c) > 3: c = c[:3] + "." + c[3:]
    if c in code_bg:
        dates[(r["person_id"], code_bg[c])].add(r["condition_start_date"]); n_rows += 1
    elif c not in planted_codes and c not in ("Z00.00", "V70.0"):
        other.add(c)
ok(not other, "every condition code is planted, background or a general examination %s" % sorted(other)[:5])
rows = {(r["trait"], r["target"]): int(r["n"]) for r in truth if r["source"] == "count"}
ok(n_rows == rows[("cohort", "background_condition_rows")] and len(bg) == rows[("cohort", "background_phecodes")],
   "%d background condition rows and %d phecodes as truth.tsv says" % (n_rows, len(bg)))
per = defaultdict(lambda: [0, 0])
bad_dates = bad_sex = 0
for (pid, p), ds in dates.items():
    per[p][0] += 1; per[p][1] += len(ds) >= 2
    bad_dates += not 1 <= len(ds) <= 4
    s = defs[p]["sex"]
    g = person[pid]["gender_concept_id"]
    bad_sex += (s == "Female" and g != "8532") or (s == "Male" and g != "8507")
ok(bad_dates == 0, "an affected person has the code on 1 to 4 dates (%d not)" % bad_dates)
ok(bad_sex == 0, "sex-specific phecodes only in persons of that sex (%d not)" % bad_sex)
wrong = [r["phecode"] for r in bg if per[r["phecode"]] != [int(r["persons"]), int(r["persons_2plus_dates"])]]
ok(not wrong, "persons and persons with 2+ dates per phecode as background.tsv says %s" % wrong[:5])
n_male = sum(p["gender_concept_id"] == "8507" for p in person.values())
ok(all(int(r["eligible"]) == {"Male": n_male, "Female": len(person) - n_male}.get(r["sex"], len(person)) for r in bg),
   "eligible: persons of the phecode's sex")
# realised against planned prevalence: Pearson's statistic over phecodes,
# E = sum(1 - p), Var ~ sum(2 + 1/e) for binomial counts; and the total
X = E = V = obs = expect = var = 0.0
for r in bg:
    n, p, o = int(r["eligible"]), float(r["prevalence"]), int(r["persons"])
    e = n * p
    X += (o - e) ** 2 / e; E += 1 - p; V += 2 + 1 / e
    obs += o; expect += e; var += e * (1 - p)
z1, z2 = (X - E) / math.sqrt(V), (obs - expect) / math.sqrt(var)
ok(abs(z1) < 5 and abs(z2) < 5, "persons per phecode follow the prevalences (Pearson z %.2f; total %d vs %.0f, z %.2f)"
   % (z1, obs, expect, z2))
mean = obs / len(person)
ok(5 <= mean <= 15, "%.1f background diagnoses per person (5-15)" % mean)
multi = sum(v[1] for v in per.values()) / obs
# independence: diagnoses per person have the Poisson-binomial mean and
# variance of each sex (plus the spread between the sexes' means)
count = defaultdict(int)
for (pid, p) in dates: count[pid] += 1
mu, va = {}, {}
for sex in ("8507", "8532"):
    ps = [float(r["prevalence"]) for r in bg if r["sex"] != ("Female" if sex == "8507" else "Male")]
    mu[sex], va[sex] = sum(ps), sum(q * (1 - q) for q in ps)
k = [count[pid] for pid in person]
sx = [person[pid]["gender_concept_id"] for pid in person]
m_exp = sum(mu[x] for x in sx) / len(k)
v_exp = sum(va[x] + (mu[x] - m_exp) ** 2 for x in sx) / len(k)
m_obs = sum(k) / len(k)
v_obs = sum((x - m_obs) ** 2 for x in k) / (len(k) - 1)
ok(abs(v_obs / v_exp - 1) < 0.15, "diagnoses per person: variance %.2f, expected %.2f under independence (mean %.2f, %.2f)"
   % (v_obs, v_exp, m_obs, m_exp))
ok(0.65 < multi < 0.8, "%.3f of affected persons have 2+ dates (3/4 drawn, fewer with few visits)" % multi)
EOF
python3 "$WORK/background.py" "$K" "$PHECODES"

# Planted effects, recovered with R: the APOE variant on LDL, the LDLR burden
# on LDL, TCF7L2 on type 2 diabetes (sign), ancestry in the covariates.
apoe=$(awk -F'\t' '$1 == "ldl" && $3 == "variant" && $5 == "APOE" {print $4}' "$K/truth.tsv")
bcftools query -i "ID==\"$apoe\"" -f '[%SAMPLE\t%GT\n]' "$K/genotypes.bcf" >"$WORK/apoe.gt"
awk -F'\t' '$2 == "LDLR" && ($3 == "pLoF" || $3 == "missense") {print $1}' "$K/annotations.tsv" >"$WORK/ldlr.ids"
bcftools query -f '%ID[\t%GT]\n' -r 19:11200038-11244505 "$K/genotypes.bcf" >"$WORK/ldlr.gt"
tcf=$(awk -F'\t' '$1 == "t2d" && $3 == "variant" && $5 == "TCF7L2" {print $4}' "$K/truth.tsv")
bcftools query -i "ID==\"$tcf\"" -f '[%SAMPLE\t%GT\n]' "$K/genotypes.bcf" >"$WORK/tcf.gt"
cat >"$WORK/effects.R" <<'EOF'
args <- commandArgs(TRUE); d <- args[1]; w <- args[2]
ok <- function(cond, msg) cat(if (isTRUE(cond)) "ok" else "not ok", "-", msg, "\n")
ph <- read.delim(file.path(d, "pheno.tsv")); cv <- read.delim(file.path(d, "covar.tsv"))
dose <- function(gt) sapply(strsplit(gt, "[|/]"), function(a) if (any(a == ".")) NA else sum(as.numeric(a)))
g <- read.delim(file.path(w, "apoe.gt"), header = FALSE, col.names = c("IID", "GT"))
x <- merge(merge(ph, cv, by = "IID"), data.frame(IID = g$IID, apoe = dose(g$GT)), by = "IID")
f <- summary(lm(ldl ~ apoe + sex + age + PC1 + PC2, data = x))$coefficients["apoe", ]
ok(f[1] < 0 && f[4] < 1e-3, sprintf("lm: APOE variant lowers LDL (beta %.1f mg/dL, p %.2g)", f[1], f[4]))
ok(abs(f[1] / 35 - (-0.45)) < 0.2, sprintf("lm: APOE effect %.2f SD near the planted -0.45", f[1] / 35))
t <- read.delim(file.path(w, "tcf.gt"), header = FALSE, col.names = c("IID", "GT"))
y <- merge(x, data.frame(IID = t$IID, tcf = dose(t$GT)), by = "IID")
b <- summary(glm(t2d ~ tcf + sex + age, data = y, family = binomial))$coefficients["tcf", ]
ok(b[1] > 0, sprintf("glm: TCF7L2 variant raises type 2 diabetes risk (log-OR %.2f, planted 0.34)", b[1]))
ids <- readLines(file.path(w, "ldlr.ids"))
l <- read.delim(file.path(w, "ldlr.gt"), header = FALSE, stringsAsFactors = FALSE)
hdr <- read.delim(file.path(d, "pheno.tsv"))$IID
l <- l[l[, 1] %in% ids, , drop = FALSE]
burden <- if (nrow(l)) rowSums(matrix(apply(l[, -1, drop = FALSE], 1, dose), nrow = length(hdr)), na.rm = TRUE) else rep(0, length(hdr))
z <- merge(x, data.frame(IID = hdr, burden = burden), by = "IID")
ok(sum(z$burden > 0) >= 3, sprintf("LDLR qualifying carriers: %d", sum(z$burden > 0)))
tt <- t.test(z$ldl[z$burden > 0], z$ldl[z$burden == 0])
ok(tt$estimate[1] > tt$estimate[2] && tt$p.value < 1e-3,
   sprintf("LDLR pLoF/missense carriers have higher LDL (%.0f vs %.0f mg/dL, p %.2g)", tt$estimate[1], tt$estimate[2], tt$p.value))
ok(abs(mean(ph$ldl) - 117) < 6 && abs(sd(ph$ldl) - 35) < 5, sprintf("LDL mean %.1f, SD %.1f", mean(ph$ldl), sd(ph$ldl)))
pr <- mean(ph$t2d, na.rm = TRUE)
ok(abs(pr - 0.10) < 0.02, sprintf("t2d prevalence %.3f near 0.10", pr))
ok(all(is.na(ph$breast_cancer[cv$sex == 1])), "breast cancer NA for men")
om <- merge(ph, read.delim(file.path(d, "omics.tsv")), by = "IID")
r <- cor(om$prot_APOB, om$ldl, use = "complete.obs")
ok(r > 0.5, sprintf("omics: prot_APOB follows LDL (r = %.2f)", r))
gl <- t.test(om$met_glucose[om$t2d == 1], om$met_glucose[om$t2d == 0])
ok(gl$estimate[1] > gl$estimate[2] && gl$p.value < 1e-6, sprintf("omics: glucose higher in t2d cases (p %.2g)", gl$p.value))
r0 <- cor(om$prot_TNF, om$ldl, use = "complete.obs")
ok(abs(r0) < 0.1, sprintf("omics: a noise feature does not follow LDL (r = %.2f)", r0))
na <- mean(is.na(as.matrix(om[, grep("^(prot|met)_", names(om))])))
ok(na > 0.01 && na < 0.03, sprintf("omics: %.3f of values NA", na))
ok(ncol(read.delim(file.path(d, "omics.tsv"))) == 41, "omics: IID and 40 features")
EOF
Rscript "$WORK/effects.R" "$K" "$WORK" 2>&1 | grep -E '^(not )?ok' || t_fail "R effect checks ran"

# A gene table without the planted genes: replacements, with warnings.
awk -F'\t' 'NR == 1 || ($2 ~ /^(1|2|3)$/ && NR % 20 == 0)' "$DATA/genes/genes_grch37_refFlat_hg19.tsv" >"$WORK/few_genes.tsv"
t_run "a small gene table without the planted genes" 0 "$DUET" simulate --no-version --genes "$WORK/few_genes.tsv" \
    --samples 50 --variants 300 -o "$WORK/few"
t_grep "warns about the missing planted genes" 'gene LDLR|burden gene LDLR|gene APOE' "$WORK/err"
t_true "variants only on chromosomes 1-3" [ "$(bcftools query -f '%CHROM\n' "$WORK/few/genotypes.bcf" | sort -u | tr '\n' ' ')" = "1 2 3 " ]

# ---------------------------------------------------------------- failures
E=$WORK/errors
mkdir -p "$E"
t_run "unreadable --genes exits 3" 3 $SIM --genes "$E/none.tsv" -o "$E/o1"
t_grep "names the gene table" "cannot open gene table '$E/none.tsv'" "$WORK/err"
printf 'symbol\tchrom\tstart0\tend\nAAA\t1\t100\t200\nBBB\t1\tnine\t300\n' >"$E/bad.tsv"
t_run "malformed gene table exits 4" 4 $SIM --genes "$E/bad.tsv" -o "$E/o2"
t_grep "names file and line" "bad.tsv:3: field 3" "$WORK/err"
printf 'AAA\t1\t100\t300000000\n' >"$E/b37.tsv"
t_run "coordinates beyond GRCh37 exit 4" 4 $SIM --genes "$E/b37.tsv" -o "$E/o2"
t_run "DUET_GENES is read" 3 env DUET_GENES="$E/none2.tsv" $SIM -o "$E/o3"
t_grep "DUET_GENES named" "none2.tsv" "$WORK/err"
t_run "--genes wins over DUET_GENES" 0 env DUET_GENES="$E/none2.tsv" $SIM --genes "$DATA/genes/genes_grch37_refFlat_hg19.tsv" \
    --samples 10 --variants 100 -o "$E/o4"
# without --genes or DUET_GENES: the table built into duet, the same as the
# reference data's file (nothing beside the binary is read)
t_run "the built-in gene table" 0 env -u DUET_GENES $SIM --samples 10 --variants 100 -o "$E/o6"
t_true "built-in table = the reference file, byte for byte" cmp -s "$E/o4/genotypes.bcf" "$E/o6/genotypes.bcf"
mkdir "$E/exists"
t_run "existing folder without --force exits 7" 7 $SIM --samples 10 --variants 100 -o "$E/exists"
t_true "the existing folder is untouched" [ -z "$(ls -A "$E/exists")" ]
touch "$E/file"
t_run "unwritable parent exits 7" 7 $SIM --samples 10 --variants 100 -o "$E/file/out"
t_run "missing -o exits 2" 2 $SIM --samples 10
t_run "too few samples exits 2" 2 $SIM --samples 5 -o "$E/o5"
t_run "too few variants exits 2" 2 $SIM --variants 10 -o "$E/o5"
left=$(cd "$E" && ls -A | sort | tr '\n' ' ')
t_true "failures leave nothing behind ($left)" [ "$left" = "b37.tsv bad.tsv exists file o4 o6 " ]

# SIGTERM while genotypes are being written: exit 143, nothing left.
mkdir -p "$WORK/term"
$SIM --samples 20000 --variants 50000 --threads 2 -o "$WORK/term/big" 2>/dev/null &
pid=$!
for _ in $(seq 1 400); do
    ls "$WORK"/term/.big*/genotypes.bcf >/dev/null 2>&1 && break
    sleep 0.025
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
t_true "SIGTERM mid-run exits 143 ($rc)" [ "$rc" -eq 143 ]
t_true "SIGTERM leaves nothing behind" [ -z "$(ls -A "$WORK/term")" ]
