"""The benchmark: ketasim's engine vs scipy LSODA and libroadrunner, errors, scaling.

``ketasim bench`` runs it; ``make bench`` runs the full version and writes
``docs/performance.md`` and ``benchmarks/results.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ketasim.bench.machine import machine, peak_memory_mb
from ketasim.bench.peers import Workload, engine_run, lsoda_run, max_rel_error, reference_madrs
from ketasim.engine.backend import Backend
from ketasim.regimen.named import load_regimen

__all__ = ["run_benchmark"]

REGIMEN = "iv-6x2w-then-3-weekly"


def _roadrunner(w: Workload, n: int, tolerances: tuple[float, float]) -> tuple[Any, np.ndarray] | None:
    try:
        from ketasim.bench.roadrunner import roadrunner_run
    except ImportError:
        return None
    return roadrunner_run(w, n, tolerances)


def _scale(n: int, workers: int = 0) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "ketasim.bench.scale", str(n), "--workers", str(workers)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _profile(w: Workload, n: int) -> dict[str, Any]:
    """Where an engine run's time goes: per-patient preparation vs the stepping kernel."""
    from ketasim.engine.flat import flatten
    from ketasim.engine.kernel_numba import engine_threads, run_numba
    from ketasim.engine.modal import clear_cache
    from ketasim.engine.prepared import prepare

    cohort = w.cohort(n)
    clear_cache()  # time the preparation cold, as a first run of these patients
    t0 = time.perf_counter()
    flat = flatten(prepare(w.model, cohort, w.regimen, w.times_h, pk_matrices=False))
    t1 = time.perf_counter()
    run_numba(flat, record_x=False)
    t2 = time.perf_counter()
    steps = int(flat.step_size.size)
    states = int(flat.x0.shape[1] + flat.z0.shape[1] + flat.y0.shape[1])
    return {
        "patients": n,
        "prepare_seconds": t1 - t0,
        "kernel_seconds": t2 - t1,
        "steps_per_patient": steps,
        "states": states,
        "step_sizes": int(flat.sizes_h.size),
        "threads": engine_threads(),
        "modal_share": float(flat.modal_ok.mean()),
        "ns_per_patient_step": 1e9 * (t2 - t1) / (n * steps),
        "kernel_patient_years_per_s": n * w.days / 365.0 / (t2 - t1),
    }


def run_benchmark(
    *,
    n_engine: int = 20_000,
    n_lsoda: int = 10,
    n_roadrunner: int = 20,
    n_reference: int = 20,
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000),
    dask_n: int = 20_000,
    say: Callable[[str], None] = lambda s: None,
) -> dict[str, Any]:
    """Runs every measurement; returns a JSON-able dict."""
    w = Workload(load_regimen(REGIMEN))
    say("compiling and warming the engine")
    engine_run(w, 64)
    say(f"reference: LSODA rtol 1e-10 on {n_reference} patients")
    ref = reference_madrs(w, n_reference)
    methods: list[dict[str, Any]] = []

    say(f"ketasim engine on {n_engine} patients")
    t_engine, m_engine = engine_run(w, n_engine)
    methods.append({"method": t_engine.method, "patients": n_engine, "seconds": t_engine.seconds,
                    "patient_years_per_s": t_engine.patient_years_per_s,
                    "max_rel_error_madrs": max_rel_error(m_engine[:n_reference], ref)})  # fmt: skip
    t_np, m_np = engine_run(w, min(n_engine, 500), backend=Backend.NUMPY)
    methods.append({"method": t_np.method, "patients": t_np.patients, "seconds": t_np.seconds,
                    "patient_years_per_s": t_np.patient_years_per_s,
                    "max_rel_error_madrs": max_rel_error(m_np[:n_reference], ref)})  # fmt: skip
    for rtol, atol in ((1e-6, 1e-9), (1e-8, 1e-12)):
        say(f"scipy LSODA rtol {rtol:g} on {n_lsoda} patients")
        t_l, m_l = lsoda_run(w, n_lsoda, rtol, atol)
        methods.append({"method": t_l.method, "patients": n_lsoda, "seconds": t_l.seconds,
                        "patient_years_per_s": t_l.patient_years_per_s,
                        "max_rel_error_madrs": max_rel_error(m_l, ref[:n_lsoda])})  # fmt: skip
    for tolerances in ((1e-6, 1e-12), (1e-10, 1e-12)):
        say(f"libroadrunner (CVODE rtol {tolerances[0]:g}) on {n_roadrunner} patients")
        rr = _roadrunner(w, n_roadrunner, tolerances)
        if rr is None:
            methods.append({"method": "libroadrunner", "error": "libroadrunner is not installed"})
            break
        t_r, m_r = rr
        methods.append({"method": t_r.method, "patients": n_roadrunner, "seconds": t_r.seconds,
                        "patient_years_per_s": t_r.patient_years_per_s,
                        "max_rel_error_madrs": max_rel_error(m_r, ref[: m_r.shape[0]])})  # fmt: skip
    engine_rate = methods[0]["patient_years_per_s"]
    for m in methods[1:]:
        if "patient_years_per_s" in m:
            m["engine_speedup"] = engine_rate / m["patient_years_per_s"]
    say("profile: preparation against the stepping kernel")
    profile = _profile(w, min(n_engine, 10_000))
    say("scaling (fresh processes)")
    scaling = []
    for n in sizes:
        say(f"  N = {n}")
        scaling.append(_scale(n))
    dask = []
    for workers in (1, 2):
        say(f"  Dask, {workers} worker(s), N = {dask_n}")
        dask.append(_scale(dask_n, workers))
    return {
        "regimen": REGIMEN,
        "days": w.days,
        "machine": machine(),
        "methods": methods,
        "profile": profile,
        "scaling": scaling,
        "dask": dask,
        "peak_memory_mb_this_process": peak_memory_mb(),
    }
