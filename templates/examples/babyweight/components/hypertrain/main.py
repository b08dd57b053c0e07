"""babyweight step 2, hypertrain: tune the model's hyperparameters and output the tuning job's name.

--mode local (default): a small grid search over the ridge penalty `l2`, in pure Python, on the CSV files of the
    preprocess step (the --data artifact, else --bucket). Writes the job record shaped like `gcloud ai-platform jobs
    describe` (trials sorted best first) to --job (else <data>/../hyperparam/<job>/job.json), so the next step reads
    local and cloud jobs the same way.
--mode cloud: submits an AI Platform Training hyperparameter-tuning job (`gcloud ai-platform jobs submit training`,
    package ./trainer, metric rmse) and waits for it (--stream-logs).
Output `jobname`. A first run works: nothing is deleted, every job gets its own folder.
"""
import argparse
import glob
import json
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the component folder (the image's build context) free of __pycache__
from trainer import model as m  # noqa: E402

GRID = [0.0, 0.01, 0.1, 1.0, 10.0, 100.0]
HERE = os.path.dirname(os.path.abspath(__file__))


def new_job_name():
    """AI Platform job names: letters, digits and '_', starting with a letter; unique per run."""
    return time.strftime("babyweight_hyperparam_%Y%m%d_%H%M%S_") + f"{int(time.time() * 1000) % 1000:03d}"


def read_all(data, phase):
    files = sorted(glob.glob(os.path.join(data, f"{phase}.*.csv")))
    if not files:
        sys.exit(f"hypertrain: no {phase}.*.csv files in {data}; run the preprocess step first")
    rows = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            rows += m.parse_rows(fh.read())
    return rows


def run_local(args, job):
    data = args.data or args.bucket
    train, evals = read_all(data, "train"), read_all(data, "eval")
    trials = []
    for i, l2 in enumerate(GRID, start=1):
        score = m.rmse(m.fit(train, l2), evals)
        trials.append({"trialId": str(i), "hyperparameters": {"l2": repr(l2)}, "finalMetric": {"objectiveValue": score}})
        print(f"trial {i}: l2={l2} rmse={score:.4f}", file=sys.stderr)
    trials.sort(key=lambda t: t["finalMetric"]["objectiveValue"])
    job_file = os.path.abspath(args.job) if args.job else os.path.join(os.path.dirname(os.path.abspath(data)), "hyperparam", job, "job.json")
    record = {"jobId": job, "state": "SUCCEEDED", "trainingInput": {"args": ["--data", data]},
              "trainingOutput": {"hyperparameterMetricTag": "rmse", "completedTrialCount": str(len(trials)), "trials": trials}}
    if not args.dry_run:
        os.makedirs(os.path.dirname(job_file), exist_ok=True)
        with open(job_file, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=2)
    return {"outputs": {"jobname": job}, "best": trials[0]}


def tuning_config(trials, parallel):
    """The hyperparameter spec (JSON is valid YAML for --config)."""
    return {"trainingInput": {"scaleTier": "BASIC", "hyperparameters": {
        "goal": "MINIMIZE", "hyperparameterMetricTag": "rmse", "maxTrials": trials, "maxParallelTrials": parallel,
        "enableTrialEarlyStopping": True,
        "params": [{"parameterName": "l2", "type": "DOUBLE", "minValue": 0.001, "maxValue": 100.0, "scaleType": "UNIT_LOG_SCALE"}]}}}


def cloud_command(job, project, region, data, config_path):
    """`gcloud ai-platform jobs submit training` as an argument list."""
    job_dir = posixpath.join(posixpath.dirname(data.rstrip("/")), "hyperparam", job)
    return ["gcloud", "ai-platform", "jobs", "submit", "training", job, f"--project={project}", f"--region={region}",
            f"--job-dir={job_dir}", "--module-name=trainer.task", f"--package-path={os.path.join(HERE, 'trainer')}",
            f"--config={config_path}", "--runtime-version=2.11", "--python-version=3.7", "--stream-logs",
            "--", f"--data={data}"]


def run_cloud(args, job):
    if not args.project:
        sys.exit("hypertrain: --project is required with --mode cloud")
    config_path = os.path.join(tempfile.mkdtemp(prefix="hypertrain-"), "hyperparam.yaml")
    cmd = cloud_command(job, args.project, args.region, args.bucket, config_path)
    if args.dry_run:
        return {"commands": [{"argv": cmd, "when": "always"}], "config": tuning_config(args.trials, args.parallel),
                "outputs": {"jobname": job}}
    if shutil.which("gcloud") is None:
        sys.exit("hypertrain: gcloud is not installed; --mode cloud needs the Google Cloud SDK (FROM google/cloud-sdk:slim)")
    with open(config_path, "w", encoding="utf-8") as f:
        json.dump(tuning_config(args.trials, args.parallel), f, indent=2)
    subprocess.run(cmd, check=True)
    if args.job:  # the job artifact names the cloud job (traintuned describes it with gcloud)
        os.makedirs(os.path.dirname(os.path.abspath(args.job)), exist_ok=True)
        with open(args.job, "w", encoding="utf-8") as f:
            json.dump({"jobId": job, "cloud": True}, f)
    return {"outputs": {"jobname": job}}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bucket", required=True, help="data location written by the preprocess step")
    p.add_argument("--project", default="", help="GCP project (cloud mode)")
    p.add_argument("--region", default="us-central1", help="region for the training job (cloud mode)")
    p.add_argument("--mode", choices=["local", "cloud"], default="local")
    p.add_argument("--trials", type=int, default=20, help="tuning trials (cloud mode)")
    p.add_argument("--parallel", type=int, default=5, help="trials in parallel (cloud mode)")
    p.add_argument("--jobname", default="", help="job name to use (default: babyweight_hyperparam_<time>)")
    p.add_argument("--output", required=True, help="file to write the output `jobname` to")
    p.add_argument("--data", default="", help="the Dataset artifact of the preprocess step (local mode; else --bucket)")
    p.add_argument("--job", default="", help="file to write the job record to (the `job` artifact)")
    p.add_argument("--dry-run", action="store_true", help="print what would be done as JSON; write nothing")
    args = p.parse_args(argv)
    job = args.jobname or new_job_name()
    result = run_cloud(args, job) if args.mode == "cloud" else run_local(args, job)
    if args.dry_run:
        print(json.dumps({"step": "hypertrain", "mode": args.mode, **result}, indent=2))
        return 0
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(job)
    return 0


if __name__ == "__main__":
    sys.exit(main())
