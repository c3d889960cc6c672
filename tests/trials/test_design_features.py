"""Design features of the trial language, continued (docs/trials.md): sessions under anaesthesia."""

import copy

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.regimen.dose import Setting, iv_infusion, placebo
from ketasim.regimen.regimen import Regimen
from ketasim.trials import check_spec, compile_plan, example_path, parse_spec, run_trial

MODEL = default_model()
KET = {"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg", "over": "40 min"}
SALINE = {"drug": "saline", "route": "iv", "over": "40 min"}


def _error(data) -> InputError:
    with pytest.raises(InputError) as info:
        compile_plan(parse_spec(data), MODEL)
    return info.value


# --- sessions under anaesthesia or sedation -----------------------------------------------------


def _single(regimen):
    """One arm, one session at time 0: every variant sees the same patients (same seed)."""
    return {
        "id": "masked",
        "title": "One infusion, awake or under anaesthesia",
        "population": {"n": 40, "background": {"oral_antidepressant": "none"}},
        "days": 7,
        "arms": [{"id": "arm", "regimen": regimen}],
        "visits": {"at": ["24 h", "3 d"]},
        "endpoints": [{"id": "change_24h", "measure": "mean_change", "at": "24 h"}],
    }


def _true_madrs_24h(regimen, model=MODEL):
    from ketasim.trials.runner import _Batch

    plan = compile_plan(parse_spec(_single(regimen)), model)
    batch = _Batch(plan, model, (0,), 0)
    batch.simulate(0, 0, -np.inf, 1000)
    col = int(plan.design.index_of(24.0))
    return batch.items[:, col].sum(axis=-1), batch.items[:, 0].sum(axis=-1)


def test_a_saline_session_under_anaesthesia_gives_no_expectancy_response():
    awake, base = _true_madrs_24h([SALINE])
    masked, base_masked = _true_madrs_24h([dict(SALINE, under="anaesthesia")])
    np.testing.assert_allclose(base_masked, base)  # the same patients
    assert (awake < base - 0.5).mean() > 0.5  # an awake saline infusion improves most patients a little
    np.testing.assert_allclose(masked, base, atol=1e-6)  # masked: nothing happens without a drug
    sedated, _ = _true_madrs_24h([dict(SALINE, under="sedation")])
    np.testing.assert_allclose(sedated, masked)


def test_ketamine_under_anaesthesia_keeps_its_drug_effect_and_loses_the_expectancy_share():
    awake, base = _true_madrs_24h([KET])
    masked, _ = _true_madrs_24h([dict(KET, under="anaesthesia")])
    saline_awake, _ = _true_madrs_24h([SALINE])
    # the drug effect remains: masked ketamine improves far more than nothing ...
    assert (base - masked).mean() > 3.0
    # ... and less than awake ketamine, by about what an awake saline session adds
    lost = (masked - awake).mean()
    assert lost > 0.0
    assert 0.3 < lost / (base - saline_awake).mean() < 3.0
    # without any expectancy in the model, the two are the same trajectories: only the impulse goes
    no_expectancy = MODEL.with_values({"Ketasim_2026_nonspecific.E_SALINE": 0.0})
    awake0, _ = _true_madrs_24h([KET], no_expectancy)
    masked0, _ = _true_madrs_24h([dict(KET, under="anaesthesia")], no_expectancy)
    np.testing.assert_allclose(masked0, awake0, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(masked0, masked, rtol=1e-9, atol=1e-9)


def test_saline_under_anaesthesia_improves_less_at_24h_end_to_end():
    spec = {
        "id": "masked-trial",
        "title": "Awake and masked arms",
        "population": {"n": 160, "background": {"oral_antidepressant": "none"}},
        "days": 7,
        "arms": [
            {"id": "saline_awake", "regimen": [SALINE]},
            {"id": "saline_masked", "regimen": [dict(SALINE, under="anaesthesia")]},
            {"id": "ketamine_awake", "regimen": [KET]},
            {"id": "ketamine_masked", "regimen": [dict(KET, under="anaesthesia")]},
        ],
        "visits": {"at": ["24 h"]},
        "endpoints": [{"id": "change_24h", "measure": "mean_change", "at": "24 h", "by": "arm"}],
        "replicates": 4,
    }
    result = run_trial(parse_spec(spec))
    change = {row.label: row.mean for row in result.endpoint("change_24h").rows}
    assert change["saline_masked"] > change["saline_awake"] + 0.5  # less improvement (changes < 0)
    assert change["ketamine_masked"] < change["saline_masked"] - 3.0  # the drug still works
    assert change["ketamine_masked"] > change["ketamine_awake"]  # without the expectancy share


def test_a_matching_placebo_is_given_under_the_drug_arms_setting():
    spec = _single([dict(KET, under="anaesthesia")])
    spec["arms"].append({"id": "saline", "placebo": "saline"})
    plan = compile_plan(parse_spec(spec), MODEL)
    saline = plan.design.phases[0].arms[1].regimen
    assert [d.under for d in saline] == [Setting.ANAESTHESIA]
    assert all(e.under == Setting.ANAESTHESIA for e in saline.expand(70.0))


def test_python_regimens_and_regimen_files_carry_the_setting():
    dose = iv_infusion("0.5 mg/kg", over="40 min").given_under("sedation")
    assert dose.under == Setting.SEDATION
    assert [e.under for e in Regimen.of(dose, placebo("saline", at=24.0)).expand(70.0)] == [
        Setting.SEDATION,
        None,
    ]
    from_file = Regimen.from_spec({"doses": [dict(KET, under="anaesthesia")]})
    assert from_file.doses[0].under == Setting.ANAESTHESIA
    with pytest.raises(InputError) as info:
        Regimen.from_spec({"doses": [dict(KET, under="asleep")]})
    assert info.value.field == "doses[0].under"
    assert "anaesthesia, sedation" in info.value.rule


@pytest.mark.parametrize("value", ["asleep", "general", 1, True])
def test_a_bad_setting_names_the_field(value):
    err = _error(_single([dict(KET, under=value)]))
    assert err.field == "arms[0].regimen[0].under"
    assert "anaesthesia" in err.rule and "sedation" in err.rule


def test_a_bad_setting_in_a_phase_regimen_names_the_field():
    data = {
        "id": "phased",
        "title": "phases",
        "population": {"n": 10},
        "phases": [{"id": "surgery", "days": 3, "regimen": [dict(SALINE, under="anesthetic")]}],
        "endpoints": [{"id": "m", "measure": "mean"}],
    }
    err = _error(data)
    assert err.field == "phases[0].regimen[0].under"


def test_the_anaesthesia_example_checks_and_survives_a_dump():
    plan = check_spec(example_path("ketamine-under-anaesthesia"))
    arms = plan.design.phases[0].arms
    assert {a.id for a in arms} == {"ketamine", "saline"}
    assert all(d.under == Setting.ANAESTHESIA for a in arms for d in a.regimen)
    spec = plan.spec
    assert parse_spec(copy.deepcopy(spec.model_dump(by_alias=True))) == spec


# --- event-driven follow-up: until an event, or a fixed maximum ---------------------------------

COURSE = [dict(KET, days=[0, 2, 4, 7, 9, 11])]


def _event_driven(until="relapse", later=False):
    phases = [
        {"id": "course", "days": 14, "regimen": COURSE, "continue_if": {"of": "response"}},
        {"id": "follow_up", "days": 84, "visits": {"every": "3.5 d"}},
    ]
    if until is not None:
        phases[1]["until"] = until
    if later:
        phases.append({"id": "extension", "days": 28})
    return {
        "id": "event-driven",
        "title": "A ketamine course, then follow-up of responders until relapse",
        "population": {"n": 120, "background": {"oral_antidepressant": "none"}},
        "phases": phases,
        "visits": {"every": "7 d"},
        "definitions": {
            "response": {"percent_change_max": -50},
            "relapse": {"percent_change_min": -25, "confirm_within": ["3 d", "8 d"]},
        },
        "endpoints": [
            {"id": "time_to_relapse", "measure": "median_time_to", "of": "relapse", "phase": "follow_up"},
            {"id": "relapse_free", "measure": "km", "of": "relapse", "phase": "follow_up",
             "times": ["28 d", "84 d"]},
            {"id": "relapsed", "measure": "rate", "of": "relapse", "phase": "follow_up"},
            {"id": "mean_end", "measure": "mean", "phase": "follow_up"},
        ],
        "replicates": 2,
    }  # fmt: skip


def _batch(data):
    from ketasim.trials.runner import _Batch

    plan = compile_plan(parse_spec(data), MODEL)
    batch = _Batch(plan, MODEL, (0,), 0)
    done = -np.inf
    for first, last in plan.design.stages():
        batch.simulate(first, last, done, 1000)
        if plan.design.phases[last].until is not None:
            batch.end_follow_up(last)
        batch.alive &= np.isinf(batch.dropout_h)
        done = plan.design.phases[last].end_h
        if plan.design.phases[last].continue_if:
            batch.select(last)
    return plan, batch


def test_event_driven_follow_up_ends_at_the_confirming_rating():
    from ketasim.trials.evaluate import Group, events

    plan, batch = _batch(_event_driven())
    follow = plan.design.phases[1]
    assert plan.design.stages() == [(0, 0), (1, 1)]
    data = batch.replicate(0)
    who = np.nonzero(data.arm[:, 1] == 0)[0]
    left = batch.dropout_h[who]
    relapsed = np.isfinite(left)
    assert 0 < relapsed.sum() < who.size  # some responders relapse within 84 days, some do not
    # left at a rating of the follow-up, and ratings are twice weekly: not only at weekly visits
    visits = plan.design.visits_in(follow, follow.start_h)
    assert np.isin(np.round(left[relapsed], 6), np.round(visits, 6)).all()
    assert (np.round((left[relapsed] - follow.start_h) / 24.0, 6) % 7 != 0).any()
    obs = data.observed("madrs")[who]
    times = plan.design.times_h
    after = times[None, :] > left[:, None] + 1e-6
    assert np.isnan(obs[after]).all()  # nothing observed after the event is known
    at_exit = np.searchsorted(times, left[relapsed] - 1e-6)
    assert not np.isnan(obs[relapsed][np.arange(relapsed.sum()), at_exit]).any()  # the confirming rating
    # the event the endpoints see is the event that ended the follow-up, confirmed before leaving
    group = Group(follow, follow.arms[0], who, follow.start_h)
    has, t, _ = events(plan, data, plan.definitions["relapse"], group, np.full(who.size, follow.start_h))
    np.testing.assert_array_equal(has, relapsed)
    assert (follow.start_h + t[has] < left[relapsed]).all()  # first seen, then confirmed 3-8 days later


def test_time_to_relapse_is_the_same_with_and_without_the_event_driven_end():
    with_until = run_trial(parse_spec(_event_driven()))
    fixed = run_trial(parse_spec(_event_driven(until=None)))
    for name in ("time_to_relapse", "relapse_free", "relapsed"):
        a = np.array([r.values for r in with_until.endpoint(name).rows])
        b = np.array([r.values for r in fixed.endpoint(name).rows])
        np.testing.assert_allclose(a, b, equal_nan=True)
    # observed cases at the maximum: only patients still followed, so fewer and better scores
    assert with_until.endpoint("mean_end").row().mean < fixed.endpoint("mean_end").row().mean


def test_who_had_the_event_enters_no_later_phase():
    _, batch = _batch(_event_driven(later=True))
    data = batch.replicate(0)
    followed = data.arm[:, 1] >= 0
    relapsed = followed & np.isfinite(batch.dropout_h)
    assert relapsed.any()
    assert (data.arm[relapsed, 2] == -1).all() and (data.arm[followed & ~relapsed, 2] >= 0).all()


def test_a_trial_without_phases_takes_until_at_the_top():
    data = _single([KET])
    data.update(days=28, until="worse", visits={"every": "1 d"})
    data["definitions"] = {"worse": {"min": 0}}  # everyone: known at the first rating after the start
    plan = compile_plan(parse_spec(data), MODEL)
    assert plan.design.phases[0].until == "worse"
    from ketasim.trials.runner import _Batch

    batch = _Batch(plan, MODEL, (0,), 0)
    batch.simulate(0, 0, -np.inf, 1000)
    batch.end_follow_up(0)
    np.testing.assert_allclose(batch.dropout_h, 24.0)


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (lambda d: d["phases"][1].update(until="relapsed"), "phases[1].until", "unknown definition"),
        (lambda d: d["phases"][1].update(until="2 relapses"), "phases[1].until", "pattern"),
        (lambda d: (d["phases"][1].pop("visits"), d.pop("visits")), "phases[1].until", "give it visits"),
        (lambda d: d.update(until="relapse"), "until", "gives until to a phase"),
    ],
)
def test_bad_event_driven_follow_up_names_the_field(change, field, rule):
    data = _event_driven()
    change(data)
    err = _error(data)
    assert err.field == field
    assert rule in err.rule


# --- end to end: trial check, trial run --json --plot -------------------------------------------


@pytest.mark.parametrize("name", ["ketamine-under-anaesthesia", "esketamine-withdrawal"])
def test_the_feature_examples_run_end_to_end_from_the_command_line(tmp_path, name):
    import json

    from typer.testing import CliRunner

    from ketasim.cli import app

    runner = CliRunner()
    path = str(example_path(name))
    res = runner.invoke(app, ["trial", "check", path])
    assert res.exit_code == 0, res.output
    fig = tmp_path / "arms.png"
    res = runner.invoke(
        app, ["trial", "run", path, "--json", "--replicates", "2", "--workers", "1", "--plot", str(fig)]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["replicates"] == 2 and fig.stat().st_size > 10_000
    if name == "esketamine-withdrawal":  # followed until relapse: still someone observed at the end
        maintenance = [t for t in out["trajectories"] if t["phase"] == "maintenance"]
        assert maintenance and all(np.isfinite(t["mean"][-1]) for t in maintenance)
    else:
        rows = {r["arm"]: r["mean"] for r in out["endpoints"][0]["rows"]}
        assert rows["ketamine"] < rows["saline"]  # the drug's effect survives the masking


def test_an_unknown_setting_in_a_spec_file_names_the_field_and_the_line(tmp_path):
    text = example_path("ketamine-under-anaesthesia").read_text()
    text = text.replace("under: anaesthesia", "under: asleep")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(InputError) as info:
        check_spec(bad)
    assert info.value.field == "arms[0].regimen[0].under"
    assert "bad.yaml, line" in str(info.value)
