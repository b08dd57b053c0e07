"""tuning step 5, deploy: publish the final model. Locally it is copied to the `served` Model artifact with a Markdown
model card; the endpoint output names the version.
"""
import argparse
import json
import os
import shutil


def write(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", required=True)
    p.add_argument("--rmse", type=float, required=True)
    p.add_argument("--version", default="v1")
    p.add_argument("--served", required=True)
    p.add_argument("--card", required=True)
    p.add_argument("--endpoint", required=True)
    a = p.parse_args()
    with open(a.model, encoding="utf-8") as f:
        weights = json.load(f)
    os.makedirs(os.path.dirname(os.path.abspath(a.served)), exist_ok=True)
    shutil.copyfile(a.model, a.served)
    write(a.card, f"# Model {a.version}\n\ny = {weights['w']:.4f} x + {weights['b']:.4f}\n\nRMSE on eval rows: {a.rmse}\n")
    write(a.endpoint, f"local://tuning/{a.version}")
    print(f"deployed version {a.version} (rmse {a.rmse})")


if __name__ == "__main__":
    main()
