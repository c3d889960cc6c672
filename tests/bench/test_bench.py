"""The benchmark's pieces, on a small workload (speed itself is never asserted)."""

import json

from ketasim.bench.machine import machine, peak_memory_mb
from ketasim.bench.peers import Workload, engine_run, lsoda_run, max_rel_error, reference_madrs
from ketasim.bench.report import markdown
from ketasim.bench.scale import main as scale_main
from ketasim.regimen.named import load_regimen


def test_every_method_simulates_the_same_patients():
    w = Workload(load_regimen("iv-induction-6x2w"), days=28)
    ref = reference_madrs(w, 2)
    t_e, m_e = engine_run(w, 2)
    t_l, m_l = lsoda_run(w, 2, 1e-6, 1e-9)
    assert m_e.shape == m_l.shape == ref.shape
    assert max_rel_error(m_e, ref) < 1e-5
    assert max_rel_error(m_l, ref) < 1e-3
    assert t_e.patient_years_per_s > 0 and t_l.patient_years_per_s > 0


def test_scale_prints_one_json_line(capsys):
    scale_main(["40", "--days", "21", "--chunk", "16", "--regimen", "iv-single"])
    row = json.loads(capsys.readouterr().out)
    assert row["n"] == 40 and row["seconds"] > 0 and row["peak_memory_mb"] > 0


def test_markdown_report_lists_methods_and_machine():
    r = {
        "regimen": "iv-6x2w-then-3-weekly",
        "days": 365,
        "machine": machine(),
        "methods": [
            {"method": "ketasim engine (numba)", "patients": 10, "seconds": 1.0, "patient_years_per_s": 10.0,
             "max_rel_error_madrs": 1e-6},
            {"method": "scipy LSODA (rtol 1e-06)", "patients": 2, "seconds": 4.0, "patient_years_per_s": 0.5,
             "max_rel_error_madrs": 1e-7, "engine_speedup": 20.0},
            {"method": "libroadrunner", "error": "not installed"},
        ],
        "scaling": [
            {"n": 1000, "workers": 0, "seconds": 1.0, "patient_years_per_s": 1000.0, "peak_memory_mb": 300}
        ],
        "dask": [],
    }  # fmt: skip
    text = markdown(r, "ketasim bench")
    assert "| scipy LSODA (rtol 1e-06) | 2 | 4.00 | 0.50 | 20× |" in text
    assert machine()["cpu"] in text
    assert peak_memory_mb() > 0


def test_roadrunner_peer_simulates_the_same_patients():
    from ketasim.bench.roadrunner import roadrunner_run

    w = Workload(load_regimen("iv-induction-6x2w"), days=28)
    t, m = roadrunner_run(w, 2, (1e-10, 1e-14))
    assert max_rel_error(m, reference_madrs(w, 2)) < 1e-5
    assert t.patient_years_per_s > 0
