"""No policy ever breaks the constraints: label rules, spacing, weekly and yearly caps.

The rules are re-implemented here, independently of ``ketasim.protocols.constraints``,
and checked on every session that random protocols give to random observed
score sequences (the planner alone, many cases) and to random virtual
populations (planner and engine, a few cases).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.population.virtual import TRD_TRIAL
from ketasim.protocols.catalog import load
from ketasim.protocols.checks import check_protocol, thresholds
from ketasim.protocols.constraints import Rules
from ketasim.protocols.course import Course
from ketasim.protocols.load import parse_protocol
from ketasim.protocols.observe import noise_sd
from ketasim.protocols.simulate import simulate_protocol
from ketasim.protocols.spec import Constraints, Protocol


def violations(days, mg, c: Constraints) -> list[str]:
    """Every broken rule in a patient's sessions (days in the order given, mg per session)."""
    found = []
    for i, d in enumerate(days):
        before = days[:i]
        if before and d <= before[-1]:
            found.append(f"day {d}: not after the previous session")
        if before and 24 * (d - before[-1]) < c.min_hours_between_sessions:
            found.append(f"day {d}: too close")
        if c.max_sessions_per_week and sum(d - 7 < x <= d for x in days[: i + 1]) > c.max_sessions_per_week:
            found.append(f"day {d}: weekly cap")
        if c.max_sessions_per_year and sum(d - 365 < x <= d for x in days[: i + 1]) > c.max_sessions_per_year:
            found.append(f"day {d}: yearly cap")
        if c.label == "esketamine_us":
            week = (d - days[0]) // 7
            same = sum((x - days[0]) // 7 == week for x in days[: i + 1])
            if same > (2 if week < 4 else 1):
                found.append(f"day {d}: label week {week + 1}")
            if mg[i] not in ((56.0,) if i == 0 else (56.0, 84.0)):
                found.append(f"day {d}: label dose {float(mg[i]):g}")
    return found


def test_the_independent_checker_finds_what_it_should():
    label = Constraints(label="esketamine_us", min_hours_between_sessions=48)
    assert violations([0, 3, 7, 10], [56, 84, 84, 84], label) == []
    assert violations([0, 2, 4], [56, 84, 84], label) == ["day 4: label week 1"]
    assert violations([0, 1], [56, 56], label) == ["day 1: too close"]
    assert violations([0, 28, 30], [84, 84, 84], label) == ["day 0: label dose 84", "day 30: label week 5"]
    caps = Constraints(max_sessions_per_week=2, max_sessions_per_year=3)
    assert violations([0, 2, 4, 400], [1] * 4, caps) == ["day 4: weekly cap"]
    assert violations([0, 10, 20, 30], [1] * 4, caps) == ["day 30: yearly cap"]


@pytest.mark.parametrize(
    ("days", "day", "dose", "broken"),
    [
        ([0, 3], 5, 84.0, "at most 2 sessions in treatment week 1"),
        ([0, 3, 7, 10, 14, 17, 21, 24], 29, 84.0, None),
        ([0, 3, 7, 10, 14, 17, 21, 24, 29], 33, 84.0, "at most 1 session in treatment week 5"),
        ([0], 3, 28.0, "sessions are 56 or 84 mg"),
        ([], 0, 84.0, "the first session is 56 mg"),
        ([0], 1, 56.0, "at least 48 h between sessions"),
        ([5], 5, 56.0, "one session a day"),
    ],
)
def test_label_rules(days, day, dose, broken):
    rules = Rules.of(Constraints(label="esketamine_us", min_hours_between_sessions=48))
    got = rules.violation(days, [56.0] * len(days), day, dose)
    assert got == broken if broken is None else broken in got


def test_a_session_that_breaks_a_rule_waits_for_the_first_allowed_day():
    rules = Rules.of(Constraints(max_sessions_per_week=1))
    assert rules.first_allowed([0], [1.0], 3, 1.0, last=13) == 7
    assert rules.first_allowed([0], [1.0], 3, 1.0, last=6) is None


# --- random protocols -----------------------------------------------------------------------


@st.composite
def protocols(draw) -> dict:
    label = draw(st.booleans())
    every = draw(st.sampled_from([3, 7, 14]))
    booster = {"sessions": draw(st.integers(1, 3)), "spacing_days": draw(st.integers(2, 8))}
    policy = draw(
        st.sampled_from(["fixed", "taper", "symptom_triggered", "relapse_only", "forecast_triggered", "none"])
    )
    maintenance = {
        "fixed": {"every_days": draw(st.integers(20, 60)), "booster": booster},
        "taper": {
            "intervals_days": sorted(draw(st.lists(st.integers(20, 90), min_size=1, max_size=4))),
            "on_loss": draw(st.sampled_from(["step_back", "restart"])),
            "booster": booster,
        },
        "symptom_triggered": {"threshold": draw(st.integers(5, 30)), "booster": booster},
        "relapse_only": {},
        "forecast_triggered": {
            "limit": draw(st.floats(0.05, 0.9)),
            "booster": booster,
            "target": draw(st.sampled_from(["relapse", "response_loss"])),
        },
        "none": {},
    }[policy]
    induction = {
        "sessions": draw(st.integers(1, 10)),
        "per_week": draw(st.integers(1, 2 if label else 3)),
        "stop_on_remission": draw(st.booleans()),
        "require_response": draw(st.booleans()),
    }
    data = {
        "name": "random",
        "assessment": {"every_days": every, "scale": draw(st.sampled_from(["madrs", "phq9", "qids_sr16"]))},
        "induction": induction,
        "maintenance": {"policy": policy, **maintenance},
        "constraints": {
            "label": "esketamine_us" if label else "none",
            "min_hours_between_sessions": draw(st.sampled_from([0, 24, 48])),
            "max_sessions_per_week": draw(st.sampled_from([None, 3, 4])),
            "max_sessions_per_year": draw(st.sampled_from([None, 12, 30])),
        },
    }
    if label:
        data["dose"] = {
            "drug": "esketamine",
            "route": "intranasal",
            "amount": "56 mg",
            "titration": {
                "to": draw(st.sampled_from(["56 mg", "84 mg"])),
                "from_session": draw(st.integers(2, 4)),
                "if_not_responding": draw(st.booleans()),
            },
        }
    else:
        data["dose"] = {"drug": "racemic_ketamine", "route": "iv", "amount": "0.5 mg/kg", "over": "40 min"}
    if policy == "relapse_only" or draw(st.booleans()):
        data["reinduction"] = {
            "sessions": draw(st.integers(1, 8)),
            "per_week": 1 if label else 2,
            "max_per_year": draw(st.sampled_from([None, 1, 3])),
        }
    return data


def _valid(data: dict) -> Protocol | None:
    try:
        return parse_protocol(data)
    except InputError:
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    data=protocols().map(_valid).filter(lambda p: p is not None),
    seed=st.integers(0, 2**31),
    walk=st.floats(0.5, 6.0),
)
def test_no_policy_breaks_a_constraint_whatever_the_scores(data, seed, walk):
    p = data
    dosing = check_protocol(p)
    course = Course(p, dosing, Rules.of(p.constraints), thresholds(p), noise_sd(default_model(), "madrs"))
    rng = np.random.default_rng(seed)
    top = 60.0 if p.assessment.scale == "madrs" else 27.0
    score = top * 0.55
    for today in range(0, 400, p.assessment.every_days):
        score = float(np.clip(np.rint(score + rng.normal(0.0, walk)), 0.0, top))  # a random course of scores
        relapsed = course.observe(today, score)
        course.decide(today, min(today + p.assessment.every_days, 400), relapsed)
    assert violations(course.days, course.mg_nominal, p.constraints) == []
    assert course.days == sorted(course.days)
    assert len(course.levels) == len(course.days)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=protocols().map(_valid).filter(lambda p: p is not None), seed=st.integers(0, 10_000))
def test_no_policy_breaks_a_constraint_on_a_random_population(data, seed):
    run = simulate_protocol(data, TRD_TRIAL, 6, days=56, seed=seed)
    dosing = check_protocol(data)
    for row in range(run.n):
        sel = run.session_patient == row
        mg_nominal = [dosing.levels[lv].value for lv in run.session_level[sel]]
        assert violations(run.session_day[sel].tolist(), mg_nominal, data.constraints) == []


@pytest.mark.parametrize("name", ["esketamine-label", "iv-6x2w-symptom-triggered"])
def test_shipped_protocols_keep_their_constraints_on_a_population(name):
    p = load(name)
    run = simulate_protocol(p, TRD_TRIAL, 12, days=100, seed=11)
    assert run.session_day.size > 12 * 4
    dosing = check_protocol(p)
    for row in range(run.n):
        sel = run.session_patient == row
        mg = [dosing.levels[lv].value for lv in run.session_level[sel]]
        assert violations(run.session_day[sel].tolist(), mg, p.constraints) == []
