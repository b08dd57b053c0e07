"""babyweight step 1, preprocess: natality rows from `--start_year` on, split into train/eval CSV files.

--mode local (default): generates a few hundred natality-like rows itself (offline, standard library only) and
    writes <data>/train.<start_year>.csv and eval.<start_year>.csv, where <data> is the Dataset artifact folder given
    with --data (each run its own, so runs never mix data), else $KFP_PIPELINE_ROOT/<bucket>/babyweight/preproc.
--mode cloud: BigQuery queries the public natality table into tables, then exports them as CSV shards to
    gs://<bucket>/babyweight/preproc/ (needs the `bq` CLI, e.g. FROM google/cloud-sdk:slim).
Output `bucket`: the data location (an absolute path locally, gs://… in the cloud). Files are named by start year, so
retraining with a later --start_year keeps earlier files. --dry-run prints the plan as JSON and changes nothing.
"""
import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

COLUMNS = ["weight_pounds", "is_male", "mother_age", "plurality", "gestation_weeks", "year", "month"]
FIRST_YEAR, LAST_YEAR = 1969, 2008  # the years the public natality sample covers

QUERY = """SELECT weight_pounds, is_male, mother_age, plurality, gestation_weeks, year, month
FROM `bigquery-public-data.samples.natality`
WHERE year >= {start_year} AND weight_pounds > 0 AND mother_age > 0 AND plurality > 0 AND gestation_weeks > 0
  AND MOD(ABS(FARM_FINGERPRINT(CONCAT(CAST(year AS STRING), CAST(month AS STRING)))), 4) {split}"""


def data_root():
    return os.path.abspath(os.environ.get("KFP_PIPELINE_ROOT") or os.path.join(tempfile.gettempdir(), "kfp-pipeline-root"))


def is_train(year, month):
    """Repeatable split by a hash of year+month (like the tutorial's FARM_FINGERPRINT): 3 of 4 buckets train."""
    return int(hashlib.sha256(f"{year}{month}".encode()).hexdigest(), 16) % 4 < 3


def synthetic_rows(start_year, count):
    """`count` natality-like rows with year >= start_year; works for any start year (also after the sample)."""
    rng = random.Random(start_year)
    last = max(LAST_YEAR, start_year)
    first = min(max(FIRST_YEAR, start_year), last)
    rows = []
    while len(rows) < count:
        year = rng.randint(first, last)
        month = rng.randint(1, 12)
        is_male = rng.random() < 0.51
        mother_age = rng.randint(15, 45)
        plurality = 1 if rng.random() < 0.96 else rng.choice([2, 2, 2, 3])
        gestation = max(25, min(44, round(rng.gauss(39, 2))))
        weight = 7.3 + 0.25 * (gestation - 39) + 0.02 * (mother_age - 28) + 0.3 * is_male - 1.6 * (plurality - 1)
        weight = round(max(1.0, weight + rng.gauss(0, 0.9)), 3)
        rows.append([weight, "true" if is_male else "false", mother_age, plurality, gestation, year, month])
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def run_local(args):
    # With --data (the Dataset artifact kfp passes), the files go to this run's own folder and nothing else is in it;
    # without, to the shared folder of the original tutorial layout.
    out_dir = os.path.abspath(args.data) if args.data else os.path.join(data_root(), args.bucket, "babyweight", "preproc")
    rows = synthetic_rows(args.start_year, args.rows)
    train = [r for r in rows if is_train(r[5], r[6])]
    evals = [r for r in rows if not is_train(r[5], r[6])]
    if not train or not evals:  # a single year/month can land in one bucket: fall back to a row split
        train, evals = [r for i, r in enumerate(rows) if i % 4], [r for i, r in enumerate(rows) if not i % 4]
    if args.dry_run:
        return {"outputs": {"bucket": out_dir}, "rows": {"train": len(train), "eval": len(evals)}}
    os.makedirs(out_dir, exist_ok=True)
    write_csv(os.path.join(out_dir, f"train.{args.start_year}.csv"), train)
    write_csv(os.path.join(out_dir, f"eval.{args.start_year}.csv"), evals)
    print(f"wrote {len(train)} train and {len(evals)} eval rows from {args.start_year} on to {out_dir}", file=sys.stderr)
    return {"outputs": {"bucket": out_dir}}


def cloud_commands(project, bucket, start_year, location):
    """The bq commands of the cloud variant, as argument lists (never shell strings)."""
    dataset = f"{project}:babyweight"
    cmds = [["bq", f"--project_id={project}", f"--location={location}", "mk", "-f", "--dataset", dataset]]
    for phase, split in (("train", "< 3"), ("eval", "= 3")):
        table = f"{dataset}.preproc_{phase}_{start_year}"
        cmds.append(["bq", f"--project_id={project}", f"--location={location}", "query", "--use_legacy_sql=false",
                     "--replace", f"--destination_table={table}", QUERY.format(start_year=int(start_year), split=split)])
        cmds.append(["bq", f"--project_id={project}", f"--location={location}", "extract", "--destination_format=CSV",
                     table, f"gs://{bucket}/babyweight/preproc/{phase}.{start_year}-*.csv"])
    return cmds


def run_cloud(args):
    if not args.project:
        sys.exit("preprocess: --project is required with --mode cloud")
    cmds = cloud_commands(args.project, args.bucket, args.start_year, args.location)
    out = f"gs://{args.bucket}/babyweight/preproc"
    if args.dry_run:
        return {"commands": [{"argv": c, "when": "always"} for c in cmds], "outputs": {"bucket": out}}
    if args.data:  # the Dataset artifact says where the data is (the CSV shards stay in the bucket)
        os.makedirs(args.data, exist_ok=True)
        write_output(os.path.join(args.data, "location.txt"), out + "\n")
    if shutil.which("bq") is None:
        sys.exit("preprocess: the bq CLI is not installed; --mode cloud needs the Google Cloud SDK (FROM google/cloud-sdk:slim)")
    for c in cmds:
        print("+ " + " ".join(c[:4]) + " ...", file=sys.stderr)
        subprocess.run(c, check=True)
    return {"outputs": {"bucket": out}}


def write_output(path, value):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(value)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--project", default="", help="GCP project (cloud mode)")
    p.add_argument("--bucket", required=True, help="bucket name (cloud) or folder name under the pipeline root (local)")
    p.add_argument("--start_year", type=int, default=2000, help="first year of data")
    p.add_argument("--mode", choices=["local", "cloud"], default="local")
    p.add_argument("--location", default="US", help="BigQuery location (cloud mode)")
    p.add_argument("--data", default="", help="the Dataset artifact folder to write the CSV files to (local mode)")
    p.add_argument("--rows", type=int, default=400, help="synthetic rows to generate (local mode)")
    p.add_argument("--output", required=True, help="file to write the output `bucket` (data location) to")
    p.add_argument("--dry-run", action="store_true", help="print what would be done as JSON; write nothing")
    args = p.parse_args(argv)
    result = run_cloud(args) if args.mode == "cloud" else run_local(args)
    if args.dry_run:
        print(json.dumps({"step": "preprocess", "mode": args.mode, **result}, indent=2))
        return 0
    write_output(args.output, result["outputs"]["bucket"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
