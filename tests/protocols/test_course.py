"""A patient's course: induction, early stop, non-response, relapse and re-induction, titration."""

import copy

from ketasim.model import default_model
from ketasim.protocols.checks import check_protocol, thresholds
from ketasim.protocols.constraints import Rules
from ketasim.protocols.course import Course
from ketasim.protocols.load import parse_protocol
from ketasim.protocols.observe import noise_sd

from .test_spec import ESK, IV


def course(data):
    p = parse_protocol(data)
    return Course(
        p, check_protocol(p), Rules.of(p.constraints), thresholds(p), noise_sd(default_model(), "madrs")
    )


def play(c, scores, every=7):
    """Observed scores at days 0, every, 2 every, ...; returns the sessions given."""
    for k, s in enumerate(scores):
        c.decide(k * every, (k + 1) * every, c.observe(k * every, s))
    return c.days


def test_induction_then_fixed_boosters():
    days = play(course(IV), [34, 14, 12, 12, 13, 12, 12, 12])
    assert days == [0, 2, 4, 7, 9, 11, 32, 53]


def test_induction_stops_early_on_remission_after_min_sessions():
    data = copy.deepcopy(IV)
    data["induction"].update(stop_on_remission=True, min_sessions=3)
    c = course(data)
    play(c, [34, 10, 10, 10, 10])
    # remission seen on day 7 after 3 sessions: the induction ends; the booster is due 21 days after day 4
    assert c.days == [0, 2, 4, 25] and c.kinds == ["induction"] * 3 + ["booster"]
    assert c.anchor == 25


def test_non_responders_stop_when_the_course_requires_a_response():
    data = copy.deepcopy(IV)
    data["induction"]["require_response"] = True
    c = course(data)
    play(c, [34, 25, 24, 24, 24, 24])
    assert c.phase == "stopped" and c.stopped_day == 14 and len(c.days) == 6


def test_confirmed_relapse_starts_a_reinduction_and_maintenance_resumes():
    data = copy.deepcopy(IV)
    data["maintenance"] = {"policy": "relapse_only"}
    c = course(data)
    days = play(c, [34, 12, 12, 20, 23, 24, 12, 12, 12, 12])
    assert c.relapses == [35]
    assert c.reinductions == [35]
    assert days == [0, 2, 4, 7, 9, 11, 35, 37, 39, 42, 44, 46]
    assert c.kinds[6:] == ["reinduction"] * 6
    assert c.phase == "maintenance"


def test_one_high_score_is_not_a_relapse_and_none_before_a_response():
    data = copy.deepcopy(IV)
    data["maintenance"] = {"policy": "relapse_only"}
    c = course(data)
    play(c, [34, 30, 25, 12, 25, 12, 25, 12])
    assert c.relapses == [] and c.reinductions == []


def test_reinductions_respect_their_yearly_cap():
    data = copy.deepcopy(IV)
    data["maintenance"] = {"policy": "relapse_only"}
    data["reinduction"]["max_per_year"] = 1
    c = course(data)
    play(c, [34, 12, 12, 23, 23, 12, 12, 23, 23, 23])
    assert len(c.relapses) == 2 and c.reinductions == [28]


def test_titration_escalates_while_not_responding_and_stays():
    data = copy.deepcopy(ESK)
    data["dose"]["titration"] = {"to": "84 mg", "from_session": 3, "if_not_responding": True}
    c = course(data)
    play(c, [34, 12, 20, 12, 12])
    # sessions 1-2: 56 mg; week 2 starts in response: 56; week 3 not in response: 84, then stays
    assert c.levels[:6] == [0, 0, 0, 0, 1, 1]
    assert c.mg_nominal[:6] == [56, 56, 56, 56, 84, 84]


def test_label_protocol_sessions_per_week():
    c = course(ESK)
    play(c, [34] + [12] * 15)
    weeks = [d // 7 for d in c.days]
    assert all(weeks.count(w) <= 2 for w in range(4)) and all(weeks.count(w) <= 1 for w in range(4, 16))
