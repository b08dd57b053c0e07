"""tuning step 2 (one iteration per trial setting), and step 4 (the final training): fit y = w*x + b by gradient
descent with --lr for --epochs on the train rows of the Dataset, then measure the RMSE on the eval rows.

Writes the Model (JSON weights), the Metrics (a flat JSON object, as KFP's Metrics artifact reads) and the RMSE value.
"""
import argparse
import csv
import json
import math
import os


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    train = [(float(r["x"]), float(r["y"])) for r in rows if r["split"] == "train"]
    evals = [(float(r["x"]), float(r["y"])) for r in rows if r["split"] == "eval"]
    return train, evals


def fit(train, lr, epochs):
    w = b = 0.0
    n = len(train)
    for _ in range(epochs):
        gw = sum((w * x + b - y) * x for x, y in train) * 2 / n
        gb = sum((w * x + b - y) for x, y in train) * 2 / n
        w, b = w - lr * gw, b - lr * gb
    return w, b


def rmse(rows, w, b):
    return math.sqrt(sum((w * x + b - y) ** 2 for x, y in rows) / len(rows))


def write(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True)
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--metrics", required=True)
    p.add_argument("--rmse", required=True)
    a = p.parse_args()
    train, evals = read(a.data)
    w, b = fit(train, a.lr, a.epochs)
    score = round(rmse(evals, w, b), 6)
    write(a.model, json.dumps({"w": w, "b": b, "lr": a.lr, "epochs": a.epochs}, indent=2))
    write(a.metrics, json.dumps({"rmse": score, "lr": a.lr, "epochs": a.epochs}))
    write(a.rmse, str(score))
    print(f"lr={a.lr} epochs={a.epochs}: w={w:.4f} b={b:.4f} rmse={score}")


if __name__ == "__main__":
    main()
