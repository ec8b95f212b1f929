#!/usr/bin/env python3
"""Reference values for rollwatch's canary verdict statistics (src/domain/verdict/stats.rs).

Run once with scipy and commit the output; the Rust tests read the JSON and compare:

    python3 -m venv /work/venv-scipy && /work/venv-scipy/bin/pip install -q scipy
    /work/venv-scipy/bin/python scripts/verdict_fixtures.py > tests/fixtures/verdict/stats.json

Fisher's exact test: scipy.stats.fisher_exact on [[a, b], [c, d]] for the three alternatives.
Mann-Whitney U: scipy.stats.mannwhitneyu(x, y) with an explicit method for each case:
  * "asymptotic": normal approximation with tie correction and continuity correction
    (use_continuity=True, scipy's default);
  * "exact": the exact null distribution of U (only for samples without ties; scipy's exact
    method ignores ties, rollwatch refuses them).
The statistic is U1, the U of x (rank sum of x minus n1(n1+1)/2).
"""

import json
import random

import numpy as np
import scipy
from scipy import stats

ALTERNATIVES = {"greater": "greater", "less": "less", "two_sided": "two-sided"}

FISHER_TABLES = [
    [[0, 0], [0, 0]],
    [[0, 10], [0, 20]],
    [[3, 0], [0, 3]],
    [[0, 5], [5, 0]],
    [[1, 9], [11, 3]],
    [[8, 2], [1, 5]],
    [[2, 7], [8, 2]],
    [[10, 0], [0, 0]],
    [[1, 99], [0, 900]],
    [[2, 98], [3, 897]],
    [[5, 95], [1, 999]],
    [[0, 100], [3, 900]],
    [[52, 988], [9, 8991]],
    [[150, 99850], [900, 899100]],
    [[120, 99880], [1000, 899000]],
    [[3000, 27000], [1500, 268500]],
]


def fisher_cases():
    cases = []
    for table in FISHER_TABLES:
        case = {"table": table}
        for key, alt in ALTERNATIVES.items():
            case[key] = float(stats.fisher_exact(table, alternative=alt).pvalue)
        cases.append(case)
    return cases


def has_ties(x, y):
    values = list(x) + list(y)
    return len(set(values)) != len(values)


def mwu_case(name, x, y, methods):
    cases = []
    for method in methods:
        case = {"name": name, "method": method, "x": list(x), "y": list(y)}
        for key, alt in ALTERNATIVES.items():
            res = stats.mannwhitneyu(x, y, alternative=alt, method=method)
            case["u"] = float(res.statistic)
            case[key] = float(res.pvalue)
        cases.append(case)
    return cases


def mwu_cases():
    rng = random.Random(6)
    both = ["asymptotic", "exact"]
    samples = [
        ("n=1 vs 1", [5.0], [3.0]),
        ("n=1 vs 2", [1.0], [2.0, 3.0]),
        ("n=2 vs 2", [10.0, 20.0], [1.0, 2.0]),
        ("n=3 separated", [4.0, 5.0, 6.0], [1.0, 2.0, 3.0]),
        ("n=3 reversed", [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]),
        ("n=4 vs 5 interleaved", [1.5, 3.5, 6.5, 9.0], [1.0, 2.0, 4.0, 5.0, 7.0]),
        ("n=5 vs 5", [401.0, 455.0, 812.0, 790.0, 640.0], [399.0, 402.0, 410.0, 398.0, 405.0]),
        ("ties small", [1.0, 2.0, 2.0, 3.0, 3.0, 3.0], [2.0, 3.0, 4.0, 4.0, 5.0]),
        ("all equal", [4.0, 4.0, 4.0], [4.0, 4.0, 4.0]),
        ("same values", [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
        ("one tie across", [7.0], [7.0]),
    ]
    # Latency-like minutes: p99 doubling, rounded to whole ms (ties), and a no-tie float version.
    old = [round(rng.gauss(400, 25)) for _ in range(15)]
    new = [round(rng.gauss(800, 60)) for _ in range(15)]
    samples.append(("p99 doubled, whole ms", new, old))
    old_f = [rng.gauss(400, 25) for _ in range(15)]
    new_f = [v * 1.03 + rng.gauss(0, 5) for v in old_f]
    samples.append(("3% slower, floats", new_f, old_f))
    old_l = [rng.gauss(120, 10) for _ in range(200)]
    new_l = [rng.gauss(121, 10) for _ in range(180)]
    samples.append(("200 vs 180 floats", new_l, old_l))
    ties_l = [float(rng.randint(1, 8)) for _ in range(60)]
    ties_r = [float(rng.randint(2, 9)) for _ in range(50)]
    samples.append(("many ties", ties_l, ties_r))

    cases = []
    for name, x, y in samples:
        methods = ["asymptotic"] if has_ties(x, y) or len(x) * len(y) > 2500 else both
        cases.extend(mwu_case(name, x, y, methods))
    return cases


def main():
    out = {
        "generator": "scripts/verdict_fixtures.py",
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "fisher_exact": fisher_cases(),
        "mann_whitney_u": mwu_cases(),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
