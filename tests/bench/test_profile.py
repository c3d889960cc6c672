"""The benchmark's profile of one engine run (its numbers are recorded, never asserted as speeds)."""

from ketasim.bench.peers import Workload
from ketasim.bench.run import _profile
from ketasim.regimen.named import load_regimen


def test_profile_splits_preparation_and_stepping():
    w = Workload(load_regimen("iv-single"), days=21)
    p = _profile(w, 9)
    assert p["patients"] == 9 and p["prepare_seconds"] > 0 and p["kernel_seconds"] > 0
    assert p["steps_per_patient"] > p["step_sizes"] > 1
    assert p["threads"] >= 1 and 0.0 <= p["modal_share"] <= 1.0
    assert p["states"] == 7 + 14 + 3  # PK, cascade chain, synaptic pools
