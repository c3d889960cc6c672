"""Speed of personalisation: MAP + Laplace fit and forecast of a patient with 12 scores; the full posterior.

    python benchmarks/personal_fit.py --repeat 5 --out benchmarks/results/personal-fit.json

Targets (issue "Personalisation"): fit and forecast in at most 1 s on the fast path, the full
posterior (SMC, default options) in at most 60 s. The first fit of a process, which loads the
compiled engine, is not timed.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ketasim.personal.fit import LaplaceOptions, SMCOptions, fit
from ketasim.personal.forecast import forecast
from ketasim.population.patients import Patient
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import iv_infusion
from ketasim.regimen.regimen import Regimen

SESSION_DAYS = (0, 2, 4, 7, 9, 11)
SCORE_DAYS = (0, 2, 4, 7, 9, 11, 14, 21, 28, 35, 42, 49)
MADRS = (34, 25, 22, 18, 16, 15, 14, 16, 18, 19, 21, 22)


def record() -> PatientRecord:
    """Six IV infusions and 12 MADRS scores over seven weeks: a typical responder drifting back."""
    reg = Regimen.of(*(iv_infusion("0.5 mg/kg", over="40 min").at(24.0 * d) for d in SESSION_DAYS))
    obs = tuple(ScoreObservation(24.0 * d, "madrs", v) for d, v in zip(SCORE_DAYS, MADRS, strict=True))
    return PatientRecord(Patient(), reg, obs, datetime(2026, 1, 5, 9, tzinfo=UTC))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rec = record()
    fit(rec, options=LaplaceOptions(draws=50))  # loads the compiled engine
    fast = []
    for seed in range(args.repeat):
        t0 = time.perf_counter()
        forecast(fit(rec, seed=seed), days=28)
        fast.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    post = fit(rec, options=SMCOptions(), seed=0)
    smc_s = time.perf_counter() - t0
    out = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.python_version()}",
        "scores": len(MADRS),
        "map_laplace_fit_and_forecast_s": {
            "median": round(float(np.median(fast)), 3),
            "max": round(max(fast), 3),
            "target": 1.0,
        },
        "smc_full_posterior_s": {"value": round(smc_s, 2), "target": 60.0},
        "smc_stages": post.diagnostics["stages"],
        "smc_max_rhat": round(post.diagnostics["max_rhat"], 4),
    }
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
