#!/usr/bin/env python3
"""make_omop.py -- a synthetic OMOP CDM 5.4 export for bench/store_import.sh
when no `duet simulate` cohort is at hand: person, condition_occurrence and
measurement CSVs (plain, comma-separated) with ICD-10-CM source codes and
lab values, deterministic for a given seed.

    bench/make_omop.py OUT_DIR [--persons N] [--conditions N] [--measurements N] [--seed S]

Python 3 standard library only.
"""
import argparse
import csv
import datetime
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--persons", type=int, default=100000)
    ap.add_argument("--conditions", type=int, default=1500000)
    ap.add_argument("--measurements", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    day0 = datetime.date(2000, 1, 1).toordinal()

    with open(os.path.join(a.out, "person.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["person_id", "gender_concept_id", "year_of_birth", "month_of_birth",
                    "day_of_birth", "birth_datetime", "race_concept_id", "ethnicity_concept_id",
                    "location_id", "provider_id", "care_site_id", "person_source_value",
                    "gender_source_value", "gender_source_concept_id", "race_source_value",
                    "race_source_concept_id", "ethnicity_source_value",
                    "ethnicity_source_concept_id"])
        for p in range(1, a.persons + 1):
            male = rng.random() < 0.5
            y = rng.randint(1930, 2005)
            w.writerow([p, 8507 if male else 8532, y, "", "", "", 8527, 38003564, "", "", "",
                        f"S{p:07d}", "M" if male else "F", 0, "", 0, "", 0])

    letters = "ABCDEFGHIJKLMNOPQRSTVWXYZ"
    with open(os.path.join(a.out, "condition_occurrence.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["condition_occurrence_id", "person_id", "condition_concept_id",
                    "condition_start_date", "condition_start_datetime", "condition_end_date",
                    "condition_end_datetime", "condition_type_concept_id",
                    "condition_status_concept_id", "stop_reason", "provider_id",
                    "visit_occurrence_id", "visit_detail_id", "condition_source_value",
                    "condition_source_concept_id", "condition_status_source_value"])
        for i in range(1, a.conditions + 1):
            d = datetime.date.fromordinal(day0 + rng.randrange(8000)).isoformat()
            code = f"{rng.choice(letters)}{rng.randrange(100):02d}{rng.randrange(100)}"
            w.writerow([i, rng.randint(1, a.persons), 0, d, d + " 00:00:00", d, "", 32817, 0,
                        "", "", i // 3 + 1, "", code, 0, ""])

    with open(os.path.join(a.out, "measurement.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["measurement_id", "person_id", "measurement_concept_id", "measurement_date",
                    "measurement_datetime", "measurement_time", "measurement_type_concept_id",
                    "operator_concept_id", "value_as_number", "value_as_concept_id",
                    "unit_concept_id", "range_low", "range_high", "provider_id",
                    "visit_occurrence_id", "visit_detail_id", "measurement_source_value",
                    "measurement_source_concept_id", "unit_source_value",
                    "unit_source_concept_id", "value_source_value", "measurement_event_id",
                    "meas_event_field_concept_id"])
        concepts = [(3004410, "4548-4", "%"), (3013682, "2160-0", "mg/dL"),
                    (3027018, "8867-4", "{beats}/min"), (3038553, "39156-5", "kg/m2")]
        for i in range(1, a.measurements + 1):
            d = datetime.date.fromordinal(day0 + rng.randrange(8000)).isoformat()
            c, loinc, unit = rng.choice(concepts)
            v = round(rng.gauss(50, 10), 2)
            w.writerow([i, rng.randint(1, a.persons), c, d, d + " 08:30:00", "", 32817, 0, v, 0,
                        0, "", "", "", "", "", loinc, 0, unit, "", v, "", ""])


if __name__ == "__main__":
    main()
