"""A small ridge regression in pure Python: predicts weight_pounds from the natality columns."""
import csv
import io
import math

FEATURES = ["is_male", "mother_age", "plurality", "gestation_weeks"]


def parse_rows(text):
    """(features, label) pairs from CSV text with the preprocess columns."""
    out = []
    for r in csv.reader(io.StringIO(text)):
        if len(r) < 5 or not r[0]:
            continue
        x = [1.0 if r[1].strip().lower() == "true" else 0.0, float(r[2]), float(r[3]), float(r[4])]
        out.append((x, float(r[0])))
    return out


def fit(rows, l2):
    """Closed-form ridge (the intercept is not penalised): solves (XᵀX + l2·I) w = Xᵀy."""
    n = len(FEATURES) + 1
    a = [[0.0] * n for _ in range(n)]
    b = [0.0] * n
    for x, y in rows:
        v = [1.0] + x
        for i in range(n):
            b[i] += v[i] * y
            for j in range(n):
                a[i][j] += v[i] * v[j]
    for i in range(1, n):
        a[i][i] += l2
    w = solve(a, b)
    return {"features": FEATURES, "bias": w[0], "weights": w[1:], "l2": l2}


def solve(a, b):
    """Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if abs(m[c][c]) < 1e-12:
            m[c][c] = 1e-12
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    return [m[i][n] / m[i][i] for i in range(n)]


def predict(model, x):
    return model["bias"] + sum(w * v for w, v in zip(model["weights"], x))


def rmse(model, rows):
    return math.sqrt(sum((predict(model, x) - y) ** 2 for x, y in rows) / max(1, len(rows)))
