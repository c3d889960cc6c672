"""Engine runs shared by several arms: union regimens, session masks, and the fallback when sessions mix."""

import copy

import numpy as np
import yaml

from ketasim.regimen.dose import nasal_session, placebo
from ketasim.regimen.regimen import Regimen
from ketasim.trials import compile_plan, example_path, parse_spec
from ketasim.trials.calls import plan_calls, session_owners

WITHDRAWAL = yaml.safe_load(example_path("esketamine-withdrawal").read_text())


def test_drug_and_matching_placebo_share_one_run_with_masks():
    plan = compile_plan(parse_spec(WITHDRAWAL))
    rows = {(0, 0): np.array([0, 2]), (0, 1): np.array([1])}
    calls = plan_calls(plan.design, rows)
    assert len(calls) == 1
    call = calls[0]
    assert call.rows.tolist() == [0, 2, 1]
    n_sessions = 1 + max(e.session for e in call.regimen.expand(70.0))
    assert call.mask is not None and call.mask.shape == (3, n_sessions)
    # induction (8 sessions) for everyone; then each arm's 26 weekly sessions, active or placebo
    assert call.mask.sum(axis=1).tolist() == [8 + 26] * 3
    sessions = {}
    for e in call.regimen.expand(70.0):
        sessions.setdefault(e.session, e.drug.value)
    drugs = np.array([sessions[k] for k in range(n_sessions)])
    assert set(drugs[call.mask[0] > 0]) == {"esketamine"}
    assert set(drugs[(call.mask[2] > 0)][8:]) == {"placebo_spray"}


def test_simultaneous_nasal_sessions_of_two_arms_run_separately():
    data = copy.deepcopy(WITHDRAWAL)
    data["phases"][1]["arms"][1] = {
        "id": "lower", "fraction": 0.5,
        "regimen": [{"drug": "esketamine", "route": "intranasal", "dose": "56 mg", "every": "7 d"}],
    }  # fmt: skip
    data["endpoints"] = [e for e in data["endpoints"] if "arms" not in e]
    plan = compile_plan(parse_spec(data))
    calls = plan_calls(plan.design, {(0, 0): np.array([0]), (0, 1): np.array([1])})
    assert len(calls) == 2
    assert all(c.mask is None for c in calls)


def test_session_owners_follow_the_engine_numbering():
    a = Regimen.of(nasal_session(3, at=0.0), nasal_session(3, at=48.0))
    b = Regimen.of(placebo("placebo_spray", at=0.0), placebo("placebo_spray", at=48.0))
    assert session_owners([a, b]) == [1, 0, 1, 0]
    c = Regimen.of(nasal_session(2, at=0.0))
    assert session_owners([a, c]) is None  # two multi-device sessions start together: they would mix
