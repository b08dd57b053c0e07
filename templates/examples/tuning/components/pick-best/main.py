"""tuning step 3, pick-best: the trial with the lowest RMSE. --rmses is the list of every trial's RMSE, in the order
of --trials (the loop's items), so index i of one is index i of the other. Writes the best settings and a Markdown
report of every trial.
"""
import argparse
import json
import os


def write(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rmses", required=True, help="JSON list of RMSEs, one per trial")
    p.add_argument("--trials", required=True, help="JSON list of the trial settings")
    for name in ("best-rmse", "best-lr", "best-epochs", "report"):
        p.add_argument(f"--{name}", required=True)
    a = p.parse_args()
    rmses = [float(r) for r in json.loads(a.rmses)]
    trials = json.loads(a.trials)
    if len(rmses) != len(trials):
        raise SystemExit(f"pick-best: {len(rmses)} RMSEs for {len(trials)} trials")
    best = min(range(len(rmses)), key=lambda i: rmses[i])
    write(a.best_rmse, str(rmses[best]))
    write(a.best_lr, str(trials[best]["lr"]))
    write(a.best_epochs, str(trials[best]["epochs"]))
    lines = ["| trial | lr | epochs | rmse |", "|---|---|---|---|"]
    for i, (t, r) in enumerate(zip(trials, rmses)):
        lines.append(f"| {i}{' (best)' if i == best else ''} | {t['lr']} | {t['epochs']} | {r} |")
    write(a.report, "\n".join(lines) + "\n")
    print(f"best: trial {best} lr={trials[best]['lr']} epochs={trials[best]['epochs']} rmse={rmses[best]}")


if __name__ == "__main__":
    main()
