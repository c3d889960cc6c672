import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketasim.errors import InputError
from ketasim.io.nonmem import read_csv, regimen_to_rows, rows_to_subjects, write_csv
from ketasim.population.patients import Patient
from ketasim.regimen.dose import Dose, Drug, Route, intramuscular, iv_infusion, nasal_session, oral, placebo
from ketasim.regimen.regimen import Regimen
from ketasim.simulate import simulate
from ketasim.units import DoseAmount

PATIENT = Patient(weight_kg=83.5, age_years=61.0, sex="male", ancestry="japanese")
REGIMEN = Regimen.of(
    iv_infusion("0.5 mg/kg", over="40 min").repeat(every="2 d", count=3),
    iv_infusion("35 mg", rate_mg_h=52.5, at=200.0),
    nasal_session(3, at=300.0).repeat(every="3.5 d", count=4),
    nasal_session(1, at=700.0),
    oral("50 mg", at=800.0),
    intramuscular("0.4 mg/kg", at=900.0),
    placebo("saline", at=1000.0, over="40 min"),
    placebo("placebo_spray", at=1100.0),
)


def test_round_trip_through_csv_is_lossless(tmp_path):
    path = tmp_path / "data.csv"
    write_csv(path, regimen_to_rows(REGIMEN, PATIENT, subject_id=7))
    (subject,) = rows_to_subjects(read_csv(path))
    assert subject.id == 7
    assert subject.patient == PATIENT
    assert subject.regimen == REGIMEN


def test_simulating_from_csv_equals_simulating_from_regimen(tmp_path):
    path = tmp_path / "data.csv"
    write_csv(path, regimen_to_rows(REGIMEN, PATIENT))
    (subject,) = rows_to_subjects(read_csv(path))
    t = np.linspace(0, 1200, 2401)
    a = simulate(REGIMEN, PATIENT, times=t, pd=False)
    b = simulate(subject.regimen, subject.patient, times=t, pd=False)
    for analyte in ("ketamine", "norketamine", "esketamine"):
        np.testing.assert_array_equal(a.concentration(analyte), b.concentration(analyte))


def test_rows_are_nonmem_style():
    rows = regimen_to_rows(
        Regimen.of(iv_infusion("0.5 mg/kg", over="40 min"), nasal_session(2)), Patient(weight_kg=80)
    )
    iv, d1, d2 = rows
    assert (iv["AMT"], iv["RATE"], iv["CMT"], iv["EVID"], iv["DOSEKG"]) == (40.0, 60.0, 1, 1, 0.5)
    assert (d1["AMT"], d1["CMT"], d1["DEVICE"]) == (28.0, 2, 1)
    assert d2["TIME"] == pytest.approx(5 / 60) and d2["DEVICE"] == 2


def test_observation_rows_are_not_doses():
    rows = regimen_to_rows(Regimen.of(oral("50 mg")), Patient())
    rows.append({**rows[0], "EVID": 0, "AMT": 0, "DV": 25.0, "TIME": 24.0})
    (subject,) = rows_to_subjects(rows)
    assert len(subject.regimen) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"CMT": 9}, "row 1 CMT"),
        ({"AMT": "x"}, "row 1 AMT"),
        ({"EVID": 4}, "row 1 EVID"),
        ({"WT": 400}, "row 1 weight_kg"),
        ({"ROUTE": "oral"}, "row 1 ROUTE"),
        ({"TIME": ""}, "row 1 TIME"),
    ],
)
def test_bad_rows_name_row_and_field(change, field):
    rows = regimen_to_rows(Regimen.of(iv_infusion("35 mg", over="40 min")), Patient())
    rows[0].update(change)
    with pytest.raises(InputError) as err:
        rows_to_subjects(rows)
    assert err.value.field == field


doses = st.one_of(
    st.builds(
        lambda t, mg, h: iv_infusion(f"{mg} mg", over=h, at=t),
        st.floats(0, 500),
        st.floats(1, 200),
        st.floats(0.1, 3),
    ),
    st.builds(lambda t, n: nasal_session(n, at=t), st.floats(0, 500), st.integers(1, 3)),
    st.builds(
        lambda t, mg: Dose(drug=Drug.RACEMIC_KETAMINE, route=Route.SC, amount=DoseAmount(mg), time_h=t),
        st.floats(0, 500),
        st.floats(1, 100),
    ),
)


@settings(max_examples=40, deadline=None)
@given(items=st.lists(doses, min_size=1, max_size=6), weight=st.floats(30, 250))
def test_round_trip_property(items, weight):
    # rows are written in time order, so the regimen comes back in time order
    regimen = Regimen(tuple(sorted(items, key=lambda d: d.time_h)))
    patient = Patient(weight_kg=weight)
    sessions = sorted(
        (d.time_h, d.time_h + (d.devices - 1) * d.device_interval_h) for d in items if d.devices
    )
    if any(b[0] <= a[1] for a, b in itertools.pairwise(sessions)):
        with pytest.raises(InputError, match="must not overlap"):
            regimen_to_rows(regimen, patient)
        return
    (subject,) = rows_to_subjects(regimen_to_rows(regimen, patient))
    assert subject.regimen == regimen and subject.patient == patient
