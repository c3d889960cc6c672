"""The simulate-a-protocol API: the core's PK chain for a chosen regimen, and named errors."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.population.patients import Patient
from ketasim.regimen.regimen import Regimen
from ketasim.simulate import simulate
from tests.conftest import Clinic


def test_curves_are_the_cores(clinic: Clinic) -> None:
    c = clinic.client("viewer")  # education: any role
    dose = {
        "drug": "racemic_ketamine",
        "route": "iv",
        "dose": "0.5 mg/kg",
        "over": "40 min",
        "every": "2 d",
        "count": 3,
    }
    r = c.post("/api/simulate/pk", json={"doses": [dose], "patient": {"weight_kg": 80}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mood_layer"] is False and "mood layer" in body["note"]
    assert body["doses_h"] == [0.0, 48.0, 96.0]
    t = np.array(body["times_h"])
    ref = simulate(Regimen.from_spec([dose]), Patient(weight_kg=80), times=t)
    assert np.array(body["series"]["ketamine plasma"]) == pytest.approx(
        ref.concentration("ketamine"), abs=1e-3
    )
    assert np.array(body["series"]["ketamine effect site"]) == pytest.approx(
        ref.concentration("ketamine", "effect"), abs=1e-3
    )
    # the infusion end (40 min) is on the grid, so the peak is the true one
    assert 2 / 3 in set(np.round(t, 12)) or np.isclose(t, 2 / 3).any()


@pytest.mark.parametrize(
    ("dose", "field"),
    [
        ({"drug": "esketamine", "route": "intranasal", "dose": "70 mg"}, "doses[0]"),
        ({"drug": "racemic_ketamine", "route": "iv", "dose": "0.5 mg/kg", "every": "2 d"}, "repeat"),
        ({"drug": "racemic_ketamine", "route": "iv", "dose": "lots", "over": "40 min"}, "dose"),
    ],
)
def test_bad_regimens_are_named(clinic: Clinic, dose: dict[str, str], field: str) -> None:
    r = clinic.client("viewer").post("/api/simulate/pk", json={"doses": [dose]})
    assert r.status_code == 422
    loc = ".".join(map(str, r.json()["detail"][0]["loc"]))
    assert field in loc, r.json()
