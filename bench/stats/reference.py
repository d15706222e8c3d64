"""Python side of `npm run bench:stats`: the same work with numpy, scipy and pandas.

Modes (one JSON object is printed on stdout):
  engine COLUMNS ROWS       KS, PSI and Wasserstein on COLUMNS pairs of ROWS normal values each
  check REF.f64 CUR.f64     the three statistics on two raw float64 files (agreement check)
  read FILE.csv             pandas.read_csv of one file, timed inside the process
  cli REF.csv CUR.csv METHODS_JSON
                            read both CSVs with pandas and run the per-column method named in
                            METHODS_JSON ({"column": "wasserstein" | "jensenshannon" | "ks" ...})
"""
import json
import resource
import sys
import time

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

PSI_BINS = 10
PSI_EPSILON = 1e-4


def psi(ref, cur):
    """PSI on reference-quantile bins (right-closed, duplicate edges merged), empty bins floored."""
    edges = np.unique(np.quantile(ref, np.arange(1, PSI_BINS) / PSI_BINS))
    r = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1) / len(ref)
    c = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1) / len(cur)
    r = np.maximum(r, PSI_EPSILON)
    c = np.maximum(c, PSI_EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))


def engine(columns, rows):
    rng = np.random.default_rng(12345)
    wall = {"ks": 0.0, "psi": 0.0, "wasserstein": 0.0}
    cpu = {"ks": 0.0, "psi": 0.0, "wasserstein": 0.0}
    tests = {
        "ks": lambda ref, cur: stats.ks_2samp(ref, cur),
        "psi": psi,
        "wasserstein": lambda ref, cur: stats.wasserstein_distance(ref, cur) / np.std(ref),
    }
    for j in range(columns):
        ref = rng.standard_normal(rows)
        cur = rng.standard_normal(rows) + 0.05 * (j % 3)
        for name, test in tests.items():
            t, c = time.perf_counter(), time.process_time()
            test(ref, cur)
            wall[name] += time.perf_counter() - t
            cpu[name] += time.process_time() - c
    return {"seconds": wall, "cpuSeconds": cpu}


def check(ref_path, cur_path):
    ref = np.fromfile(ref_path, dtype="<f8")
    cur = np.fromfile(cur_path, dtype="<f8")
    ks = stats.ks_2samp(ref, cur)
    return {
        "ks": [float(ks.statistic), float(ks.pvalue)],
        "psi": psi(ref, cur),
        "wasserstein": float(stats.wasserstein_distance(ref, cur)),
    }


def read(path):
    import pandas as pd

    t, c = time.perf_counter(), time.process_time()
    frame = pd.read_csv(path)
    return {"seconds": time.perf_counter() - t, "cpuSeconds": time.process_time() - c, "rows": len(frame)}


def cli(ref_path, cur_path, methods_json):
    methods = json.loads(methods_json)
    import pandas as pd

    ref = pd.read_csv(ref_path)
    cur = pd.read_csv(cur_path)
    out = {}
    for name, method in methods.items():
        a = ref[name].dropna()
        b = cur[name].dropna()
        if method == "wasserstein":
            distance = stats.wasserstein_distance(a.to_numpy(), b.to_numpy())
            out[name] = distance / max(float(np.std(a.to_numpy())), 0.001)
        elif method == "ks":
            out[name] = float(stats.ks_2samp(a.to_numpy(), b.to_numpy()).statistic)
        elif method == "jensenshannon":
            counts = pd.concat([a.value_counts(), b.value_counts()], axis=1).fillna(0).to_numpy().T
            out[name] = float(jensenshannon(counts[0] / counts[0].sum(), counts[1] / counts[1].sum(), base=2))
        elif method == "chisquare":
            counts = pd.concat([a.value_counts(), b.value_counts()], axis=1).fillna(0).to_numpy().T
            out[name] = float(stats.chi2_contingency(counts, correction=False)[0])
        else:
            raise SystemExit(f"method {method} is not in the reference script")
    return {"statistics": out}


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "engine":
        result = engine(int(sys.argv[2]), int(sys.argv[3]))
    elif mode == "check":
        result = check(sys.argv[2], sys.argv[3])
    elif mode == "read":
        result = read(sys.argv[2])
    elif mode == "cli":
        result = cli(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(f"unknown mode {mode}")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["maxRssKb"] = usage.ru_maxrss
    result["cpuSeconds" if mode == "cli" else "processCpuSeconds"] = usage.ru_utime + usage.ru_stime
    print(json.dumps(result))
