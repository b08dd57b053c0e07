"""tuning step 6, summary: the exit handler. Runs after every other step, whatever happened, with the run's final
status (KFP's PipelineTaskFinalStatus as JSON: state, pipelineJobResourceName, pipelineTaskName, error), and writes
a Markdown summary.
"""
import argparse
import json
import os


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--status", required=True, help="the PipelineTaskFinalStatus JSON")
    p.add_argument("--pipeline", default="tuning")
    p.add_argument("--summary", required=True)
    a = p.parse_args()
    try:
        status = json.loads(a.status)
    except ValueError:
        status = {"state": a.status}
    state = status.get("state", "UNKNOWN")
    run = status.get("pipelineJobResourceName") or status.get("pipeline_job_resource_name") or ""
    error = status.get("error") or {}
    lines = [f"# {a.pipeline}: {state}", ""]
    if run:
        lines.append(f"Run: {run}")
    if error.get("message"):
        lines.append(f"Error: {error['message']}")
    os.makedirs(os.path.dirname(os.path.abspath(a.summary)), exist_ok=True)
    with open(a.summary, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{a.pipeline} finished: {state}")


if __name__ == "__main__":
    main()
