"""tuning step 1, make-data: a small regression data set (y = 3x + 2 + noise), written as one CSV Dataset.

Each row is x,y,split where split is train (3 of 4 rows) or eval. Deterministic for a --seed.
"""
import argparse
import csv
import os
import random


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=400)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--noise", type=float, default=0.5)
    p.add_argument("--data", required=True, help="where to write the Dataset (a file path given by the engine)")
    p.add_argument("--count", required=True, help="file to write the number of rows to")
    a = p.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(os.path.dirname(os.path.abspath(a.data)), exist_ok=True)
    with open(a.data, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["x", "y", "split"])
        for i in range(a.rows):
            x = rng.uniform(-2, 2)
            w.writerow([round(x, 6), round(3 * x + 2 + rng.gauss(0, a.noise), 6), "eval" if i % 4 == 0 else "train"])
    os.makedirs(os.path.dirname(os.path.abspath(a.count)), exist_ok=True)
    with open(a.count, "w", encoding="utf-8") as f:
        f.write(str(a.rows))
    print(f"wrote {a.rows} rows (seed {a.seed}) to {a.data}")


if __name__ == "__main__":
    main()
