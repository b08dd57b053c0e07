"""babyweight step 4, deploy: deploy the trained model as MODEL/VERSION and output both names.

--mode local (default): copies the model dir to <data root>/models/<model>/<version>/ (replacing an existing version)
    and writes deployment.json there.
--mode cloud: AI Platform Prediction with gcloud: creates the model when missing, deletes the version when it exists,
    then `gcloud ai-platform versions create VERSION --model MODEL --origin MODELDIR`. The origin must hold a model the
    chosen runtime can serve (the tutorial exported a TensorFlow SavedModel).
Outputs `model` and `version` (the version really deployed, so the next consumer receives it).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time


def model_exists_cmd(model, project, region):
    return ["gcloud", "ai-platform", "models", "describe", model, f"--project={project}", f"--region={region}"]


def cloud_plan(model, version, origin, project, region, runtime):
    """(condition, argv) pairs; conditions are decided by the describe commands before them."""
    common = [f"--project={project}", f"--region={region}"]
    return [
        ("always", model_exists_cmd(model, project, region)),
        ("if the model does not exist", ["gcloud", "ai-platform", "models", "create", model, *common]),
        ("always", ["gcloud", "ai-platform", "versions", "describe", version, f"--model={model}", *common]),
        ("if the version exists", ["gcloud", "ai-platform", "versions", "delete", version, f"--model={model}", *common, "--quiet"]),
        ("always", ["gcloud", "ai-platform", "versions", "create", version, f"--model={model}", *common,
                    f"--origin={origin}", f"--runtime-version={runtime}", "--python-version=3.7"]),
    ]


def run_cloud(args):
    if not args.project:
        sys.exit("deploy: --project is required with --mode cloud")
    plan = cloud_plan(args.model, args.version, args.modeldir, args.project, args.region, args.runtime_version)
    if args.dry_run:
        return {"commands": [{"argv": c, "when": w} for w, c in plan]}
    if shutil.which("gcloud") is None:
        sys.exit("deploy: gcloud is not installed; --mode cloud needs the Google Cloud SDK (FROM google/cloud-sdk:slim)")
    exists = {}
    for when, cmd in plan:
        if when == "if the model does not exist" and exists.get("model"):
            continue
        if when == "if the version exists" and not exists.get("version"):
            continue
        if cmd[3] == "describe":
            rc = subprocess.run(cmd, capture_output=True).returncode
            exists[cmd[2].rstrip("s")] = rc == 0
            continue
        subprocess.run(cmd, check=True)
    return {}


def run_local(args):
    src = os.path.abspath(args.trained or args.modeldir)
    if not os.path.isfile(os.path.join(src, "model.json")):
        sys.exit(f"deploy: no model.json in {src}; run the traintuned step first")
    dest = os.path.join(os.path.dirname(os.path.dirname(src)), "models", args.model, args.version)
    if not args.dry_run:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(src, dest)
        with open(os.path.join(dest, "deployment.json"), "w", encoding="utf-8") as f:
            json.dump({"model": args.model, "version": args.version, "origin": src,
                       "deployed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, f, indent=2)
        print(f"deployed {args.model}/{args.version} to {dest}", file=sys.stderr)
    return {"deployed": dest}


def write_output(path, value):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(value)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--modeldir", required=True, help="model dir written by the traintuned step")
    p.add_argument("--trained", default="", help="the Model artifact of the traintuned step (local mode; else --modeldir)")
    p.add_argument("--model", default="babyweight")
    p.add_argument("--version", default="mlp")
    p.add_argument("--project", default="", help="GCP project (cloud mode)")
    p.add_argument("--region", default="us-central1")
    p.add_argument("--runtime-version", default="2.11")
    p.add_argument("--mode", choices=["local", "cloud"], default="local")
    p.add_argument("--model-output", required=True, help="file to write the output `model` to")
    p.add_argument("--version-output", required=True, help="file to write the output `version` to")
    p.add_argument("--dry-run", action="store_true", help="print what would be done as JSON; change nothing")
    args = p.parse_args(argv)
    result = run_cloud(args) if args.mode == "cloud" else run_local(args)
    outputs = {"model": args.model, "version": args.version}
    if args.dry_run:
        print(json.dumps({"step": "deploy", "mode": args.mode, **result, "outputs": outputs}, indent=2))
        return 0
    write_output(args.model_output, args.model)
    write_output(args.version_output, args.version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
