import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketasim.errors import InputError
from ketasim.regimen.dose import Dose, Drug, Route, iv_infusion, nasal_session, oral, placebo
from ketasim.regimen.regimen import Regimen
from ketasim.units import DoseAmount


def test_nasal_session_expands_to_devices_five_minutes_apart():
    events = Regimen.of(nasal_session(3, at=10.0)).expand()
    assert [e.device for e in events] == [1, 2, 3]
    assert [e.time_h for e in events] == pytest.approx([10.0, 10 + 5 / 60, 10 + 10 / 60])
    assert all(e.amount_mg == 28.0 for e in events)
    assert {e.session for e in events} == {0}


def test_nasal_dose_from_mg_gives_devices():
    d = Dose(drug=Drug.ESKETAMINE, route=Route.INTRANASAL, amount=DoseAmount(56.0))
    assert d.devices == 2


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        (dict(drug="esketamine", route="intranasal", devices=4), "devices", "1 to 3 devices"),
        (
            dict(drug="esketamine", route="intranasal", amount=DoseAmount(40.0)),
            "dose",
            "whole 28 mg",
        ),
        (
            dict(
                drug="racemic_ketamine",
                route="iv",
                amount=DoseAmount(35.0),
                duration_h=0.5,
                rate_mg_h=10.0,
            ),
            "rate",
            "rate or a duration",
        ),
        (
            dict(drug="racemic_ketamine", route="oral", amount=DoseAmount(35.0), duration_h=0.5),
            "duration",
            "only IV",
        ),
        (dict(drug="racemic_ketamine", route="iv", amount=DoseAmount(-1.0)), "dose", "positive"),
        (dict(drug="racemic_ketamine", route="iv"), "dose", "needs an amount"),
        (dict(drug="saline", route="intranasal"), "route", "given by route iv"),
        (
            dict(drug="racemic_ketamine", route="iv", amount=DoseAmount(35.0), addl=2),
            "interval",
            "interval",
        ),
        (dict(drug="heroin", route="iv"), "drug", "unknown drug"),
    ],
)
def test_bad_doses_name_field_and_rule(kwargs, field, rule):
    with pytest.raises(InputError) as err:
        Dose(**kwargs)
    assert err.value.field == field
    assert rule in err.value.rule


def test_repeat_count_and_until():
    d = iv_infusion("0.5 mg/kg", over="40 min").repeat(every="2 d", count=6)
    assert d.addl == 5 and d.times()[-1] == 240.0
    u = oral("50 mg").repeat(every="1 d", until="7 d")
    assert len(u.times()) == 8
    with pytest.raises(InputError, match="exactly one"):
        oral("50 mg").repeat(every="1 d")


def test_mg_per_kg_resolves_with_weight():
    e = Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")).expand(weight_kg=80)
    assert e[0].amount_mg == 40.0
    assert e[0].duration_h == pytest.approx(40 / 60)


def test_rate_gives_duration():
    e = Regimen.of(iv_infusion("35 mg", rate_mg_h=52.5)).expand(70)
    assert e[0].duration_h == pytest.approx(35 / 52.5)


def test_combinators():
    a = Regimen.of(iv_infusion("0.5 mg/kg", over="40 min"))
    b = a.then(Regimen.of(placebo("saline", over="40 min")), after="7 d")
    assert [e.time_h for e in b.expand(70)] == [0.0, 168.0]
    assert b.expand(70)[1].drug == Drug.SALINE


def test_from_spec_errors_name_the_path():
    with pytest.raises(InputError) as err:
        Regimen.from_spec([{"drug": "esketamine", "route": "intranasal", "dose": "112 mg"}])
    assert err.value.field == "doses[0].devices"
    with pytest.raises(InputError) as err:
        Regimen.from_spec([{"drug": "esketamine", "route": "intranasal", "dose": "56 mg", "colour": "red"}])
    assert err.value.field == "doses[0].colour"


def test_from_spec_days_and_every():
    r = Regimen.from_spec(
        [
            {"drug": "esketamine", "route": "intranasal", "dose": "56 mg", "days": [0]},
            {"drug": "esketamine", "route": "intranasal", "dose": "84 mg", "days": [3, 7]},
            {
                "drug": "racemic_ketamine",
                "route": "iv",
                "dose": "0.5 mg/kg",
                "over": "40 min",
                "every": "3 wk",
                "count": 2,
                "at": "14 d",
            },
        ]
    )
    assert r.session_times() == [0.0, 72.0, 168.0, 336.0, 840.0]


@settings(max_examples=50, deadline=None)
@given(
    t=st.floats(0, 1000),
    n=st.integers(1, 3),
    count=st.integers(1, 10),
    every=st.floats(24, 400),
)
def test_expanded_events_are_sorted_and_counted(t, n, count, every):
    r = Regimen.of(nasal_session(n, at=t).repeat(every=every, count=count))
    events = r.expand()
    assert len(events) == n * count
    times = [e.time_h for e in events]
    assert times == sorted(times)
    assert max(e.session for e in events) == count - 1
