"""babyweight step 3, traintuned: train the model with the best hyperparameters of the tuning job.

Reads the tuning job (local: <data>/../hyperparam/<job>/job.json; cloud: `gcloud ai-platform jobs describe`), takes the
best trial's `l2`, trains the ridge model on all training files and writes model.json (weights, eval RMSE) to the model
dir <data>/../traintuned/<job>/ (cloud: copies the data down and the model up with `gcloud storage cp`).
Output `train`: the model dir. This step asks the cluster for 2G memory and 1 CPU (see kfp.yaml).
"""
import argparse
import csv
import glob
import io
import json
import math
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile

FEATURES = ["is_male", "mother_age", "plurality", "gestation_weeks"]


def parse_rows(text):
    out = []
    for r in csv.reader(io.StringIO(text)):
        if len(r) >= 5 and r[0]:
            out.append(([1.0 if r[1].strip().lower() == "true" else 0.0, float(r[2]), float(r[3]), float(r[4])], float(r[0])))
    return out


def fit(rows, l2):
    """Closed-form ridge regression (intercept not penalised), Gauss-Jordan elimination."""
    n = len(FEATURES) + 1
    m = [[0.0] * (n + 1) for _ in range(n)]
    for x, y in rows:
        v = [1.0] + x
        for i in range(n):
            m[i][n] += v[i] * y
            for j in range(n):
                m[i][j] += v[i] * v[j]
    for i in range(1, n):
        m[i][i] += l2
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        m[c][c] = m[c][c] or 1e-12
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [a - f * b for a, b in zip(m[r], m[c])]
    w = [m[i][n] / m[i][i] for i in range(n)]
    return {"features": FEATURES, "bias": w[0], "weights": w[1:], "l2": l2}


def rmse(model, rows):
    err = [(model["bias"] + sum(a * b for a, b in zip(model["weights"], x)) - y) ** 2 for x, y in rows]
    return math.sqrt(sum(err) / max(1, len(err)))


def best_l2(job):
    """The best trial's l2 from a job description (trials are sorted best first; sort again to be sure)."""
    out = job.get("trainingOutput", {})
    trials = [t for t in out.get("trials", []) if "finalMetric" in t]
    if not trials:
        sys.exit(f"traintuned: job {job.get('jobId', '?')} has no finished trials")
    reverse = job.get("trainingInput", {}).get("hyperparameters", {}).get("goal") == "MAXIMIZE"
    trials.sort(key=lambda t: float(t["finalMetric"]["objectiveValue"]), reverse=reverse)
    return float(trials[0]["hyperparameters"]["l2"])


def load(data, phase):
    rows = []
    for f in sorted(glob.glob(os.path.join(data, f"{phase}*.csv"))):
        with open(f, encoding="utf-8") as fh:
            rows += parse_rows(fh.read())
    if not rows:
        sys.exit(f"traintuned: no {phase} rows in {data}")
    return rows


def train(local_data, l2, model_dir, job):
    model = fit(load(local_data, "train"), l2)
    model.update(eval_rmse=rmse(model, load(local_data, "eval")), job=job)
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(model, f, indent=2)
    print(f"trained with l2={l2}: eval rmse {model['eval_rmse']:.4f} -> {model_dir}", file=sys.stderr)
    return model["eval_rmse"]


def run_local(args):
    data = os.path.abspath(args.data or args.bucket)
    base = os.path.dirname(data)
    job_file = os.path.abspath(args.job) if args.job else os.path.join(base, "hyperparam", args.jobname, "job.json")
    if not os.path.exists(job_file):
        known = sorted(os.listdir(os.path.join(base, "hyperparam"))) if os.path.isdir(os.path.join(base, "hyperparam")) else []
        sys.exit(
            f"traintuned: no tuning job named {args.jobname!r} (looked for {job_file}). "
            + (f"Known jobs: {', '.join(known)}." if known else "Run the hypertrain step first.")
        )
    with open(job_file, encoding="utf-8") as f:
        l2 = best_l2(json.load(f))
    model_dir = os.path.abspath(args.model) if args.model else os.path.join(base, "traintuned", args.jobname)
    if args.dry_run:
        return {"l2": l2, "outputs": {"train": model_dir}}
    score = train(data, l2, model_dir, args.jobname)
    return {"l2": l2, "outputs": {"train": model_dir, "rmse": repr(score)}}


def cloud_commands(job, project, data, local_data, model_dir, local_model):
    """describe the job, copy the data down, (train here), copy the model up."""
    return [
        ["gcloud", "ai-platform", "jobs", "describe", job, f"--project={project}", "--format=json"],
        ["gcloud", "storage", "cp", posixpath.join(data, "*.csv"), local_data + "/"],
        ["gcloud", "storage", "cp", os.path.join(local_model, "model.json"), posixpath.join(model_dir, "model.json")],
    ]


def run_cloud(args):
    if not args.project:
        sys.exit("traintuned: --project is required with --mode cloud")
    data = args.bucket.rstrip("/")
    model_dir = posixpath.join(posixpath.dirname(data), "traintuned", args.jobname)
    work = tempfile.mkdtemp(prefix="traintuned-")
    local_data, local_model = os.path.join(work, "data"), os.path.join(work, "model")
    describe, download, upload = cloud_commands(args.jobname, args.project, data, local_data, model_dir, local_model)
    if args.dry_run:
        return {"commands": [{"argv": c, "when": "always"} for c in (describe, download, upload)], "outputs": {"train": model_dir}}
    if shutil.which("gcloud") is None:
        sys.exit("traintuned: gcloud is not installed; --mode cloud needs the Google Cloud SDK (FROM google/cloud-sdk:slim)")
    l2 = best_l2(json.loads(subprocess.run(describe, check=True, capture_output=True, text=True).stdout))
    os.makedirs(local_data, exist_ok=True)
    subprocess.run(download, check=True)
    score = train(local_data, l2, local_model, args.jobname)
    subprocess.run(upload, check=True)
    if args.model:  # the Model artifact says where the model is
        os.makedirs(args.model, exist_ok=True)
        with open(os.path.join(args.model, "location.txt"), "w", encoding="utf-8") as f:
            f.write(model_dir + "\n")
    return {"l2": l2, "outputs": {"train": model_dir, "rmse": repr(score)}}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobname", required=True, help="tuning job written by the hypertrain step")
    p.add_argument("--bucket", required=True, help="data location written by the preprocess step")
    p.add_argument("--project", default="", help="GCP project (cloud mode)")
    p.add_argument("--mode", choices=["local", "cloud"], default="local")
    p.add_argument("--output", required=True, help="file to write the output `train` (model dir) to")
    p.add_argument("--data", default="", help="the Dataset artifact of the preprocess step (local mode; else --bucket)")
    p.add_argument("--job", default="", help="the job record artifact of the hypertrain step (local mode)")
    p.add_argument("--model", default="", help="the Model artifact folder to write the model to")
    p.add_argument("--rmse", default="", help="file to write the model's eval RMSE to (the `rmse` output)")
    p.add_argument("--dry-run", action="store_true", help="print what would be done as JSON; write nothing")
    args = p.parse_args(argv)
    result = run_cloud(args) if args.mode == "cloud" else run_local(args)
    if args.dry_run:
        print(json.dumps({"step": "traintuned", "mode": args.mode, **result}, indent=2))
        return 0
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(result["outputs"]["train"])
    if args.rmse:
        os.makedirs(os.path.dirname(os.path.abspath(args.rmse)), exist_ok=True)
        with open(args.rmse, "w", encoding="utf-8") as f:
            f.write(result["outputs"]["rmse"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
