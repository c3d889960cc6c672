"""Bad specs fail before any simulation, with the dotted path of the offending field."""

import copy

import pytest
import yaml

from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.trials import check_spec, compile_plan, example_path, load_spec, parse_spec

MODEL = default_model()

WITHDRAWAL = yaml.safe_load(example_path("esketamine-withdrawal").read_text())
PARALLEL = yaml.safe_load(example_path("ketamine-vs-saline-midazolam").read_text())


def _set(data, path, value):
    """Sets (or deletes, for value ...) the item at a path of keys and indices."""
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


def _check(base, path, value):
    data = _set(copy.deepcopy(base), path, value)
    compile_plan(parse_spec(data))


ESK = {"drug": "esketamine", "route": "intranasal"}
KET = {"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg", "over": "40 min"}

CASES = [
    # (base, path, new value, field named, words of the rule)
    (PARALLEL, ["sponsor"], "x", "sponsor", "unknown field"),
    (PARALLEL, ["arms", 0, "dose_mg"], 35, "arms[0].dose_mg", "unknown field"),
    (PARALLEL, ["title"], ..., "title", "required"),
    (PARALLEL, ["replicates"], 0, "replicates", "greater than or equal to 1"),
    (WITHDRAWAL, ["phases", 1, "arms", 0, "fraction"], -0.5, "phases[1].arms[0].fraction", "greater than 0"),
    (WITHDRAWAL, ["phases", 1, "arms", 0, "fraction"], 0.7, "phases[1].arms", "sum to 1"),
    (WITHDRAWAL, ["endpoints", 0, "phase"], "extension", "endpoints[0].phase", "unknown phase"),
    (WITHDRAWAL, ["endpoints", 5, "arms"], ["continue", "stop"], "endpoints[5].arms[1]", "unknown arm"),
    (WITHDRAWAL, ["endpoints", 0, "of"], "sustained_response", "endpoints[0].of", "unknown definition"),
    (WITHDRAWAL, ["endpoints", 1, "at"], 24, "endpoints[1].at", "with a unit"),
    (WITHDRAWAL, ["endpoints", 0, "at"], "30 d", "endpoints[0].at", "within the phase"),
    (WITHDRAWAL, ["endpoints", 2, "phase"], ..., "endpoints[2].phase", "required"),
    (WITHDRAWAL, ["endpoints", 0, "measure"], "mode", "endpoints[0].measure", "Input should be"),
    (WITHDRAWAL, ["endpoints", 0, "of"], ..., "endpoints[0]", "needs `of`"),
    (WITHDRAWAL, ["endpoints", 1, "id"], "response_induction", "endpoints[1].id", "unique"),
    (WITHDRAWAL, ["phases", 0, "regimen", 1, "dose"], "100 mg", "phases[0].regimen[1].dose", "28 mg devices"),
    (
        WITHDRAWAL,
        ["phases", 0, "regimen", 0, "drug"],
        "arketamine",
        "phases[0].regimen[0].drug",
        "unknown drug",
    ),
    (WITHDRAWAL, ["phases", 0, "regimen", 0, "days"], [0, 30], "phases[0].regimen[0]", "within the phase"),
    (WITHDRAWAL, ["phases", 1, "continue_if"], {"of": "response"}, "phases[1].continue_if", "last phase"),
    (
        WITHDRAWAL,
        ["phases", 0, "continue_if", "at"],
        "29 d",
        "phases[0].continue_if[0].at",
        "within the phase",
    ),
    (WITHDRAWAL, ["population", "baseline", "max"], 20, "population.baseline", "must not exceed"),
    (
        WITHDRAWAL,
        ["population", "baseline"],
        {"mean": 30, "sd": 2, "min": 50},
        "population.baseline",
        "almost) no one",
    ),
    (WITHDRAWAL, ["population", "baseline", "mean"], 70, "population.baseline", "on the madrs scale"),
    (WITHDRAWAL, ["population", "bdnf_val66met", "met_met"], 0.2, "population.bdnf_val66met", "sum to 1"),
    (WITHDRAWAL, ["population", "female"], 1.2, "population.female", "less than or equal to 1"),
    (WITHDRAWAL, ["population", "n"], ..., "population.n", "required"),
    (
        WITHDRAWAL,
        ["definitions", "relapse", "confirm_within"],
        ["15 d", "5 d"],
        "definitions.relapse.confirm_within",
        "earliest, latest",
    ),
    (WITHDRAWAL, ["definitions", "relapse", "min"], ..., "definitions.relapse", "at least one threshold"),
    (WITHDRAWAL, ["visits", "at"], ["300 d"], "visits.at[0]", "within"),
    (
        WITHDRAWAL,
        ["targets"],
        [{"endpoint": "relapse_by_arm", "value": 30, "source": "x"}],
        "targets[0].arm",
        "is required",
    ),
    (
        WITHDRAWAL,
        ["targets"],
        [{"endpoint": "nope", "value": 30, "source": "x"}],
        "targets[0].endpoint",
        "unknown endpoint",
    ),
    (PARALLEL, ["targets", 0, "arm"], "placebo", "targets[0].arm", "rows"),
    (PARALLEL, ["population", "n"], 50, "population.n", "sum of the arms"),
    (PARALLEL, ["arms", 1, "placebo"], "spray", "arms[1].placebo", "intranasal"),
    (PARALLEL, ["arms", 1, "mirrors"], "midazolam", "arms[1].mirrors", "active doses"),
    (PARALLEL, ["arms", 0, "regimen", 0, "over"], "forty minutes", "arms[0].regimen[0].over", "with a unit"),
    (PARALLEL, ["endpoints", 0, "by"], "patient", "endpoints[0].by", "Input should be"),
    (
        PARALLEL,
        ["endpoints", 0, "among"],
        {"covariate": "height"},
        "endpoints[0].among[0].covariate",
        "Input should be",
    ),
    (
        PARALLEL,
        ["endpoints", 0, "among"],
        [{"of": "response", "covariate": "bmi"}],
        "endpoints[0].among[0]",
        "exactly one of",
    ),
    (PARALLEL, ["endpoints", 0, "from"], "last_visit", "endpoints[0].from", "Input should be"),
    (PARALLEL, ["phases"], [{"id": "a", "days": 7}], "(root)", "not both"),
    (PARALLEL, ["endpoints", 0, "phase"], ["trial", "trial"], "endpoints[0].phase", "twice"),
    (PARALLEL, ["endpoints", 10, "in"], "rate", "endpoints[10]", "regresses a score"),
    (PARALLEL, ["endpoints", 0, "in"], "mean", "endpoints[0]", "`in` applies to"),
]


@pytest.mark.parametrize(("base", "path", "value", "field", "rule"), CASES)
def test_errors_name_the_field(base, path, value, field, rule):
    with pytest.raises(InputError) as info:
        _check(base, path, value)
    assert info.value.field == field
    assert rule in info.value.rule
    assert info.value.context == "trial"


def test_mirrors_is_required_with_several_active_arms():
    data = copy.deepcopy(PARALLEL)
    data["arms"].insert(1, {"id": "ketamine_low", "n": 24, "regimen": [dict(KET, dose="0.2 mg/kg")]})
    with pytest.raises(InputError) as info:
        compile_plan(parse_spec(data))
    assert info.value.field == "arms[2].mirrors"
    data["arms"][2]["mirrors"] = "ketamine"
    data["arms"][3]["mirrors"] = "ketamine_low"
    plan = compile_plan(parse_spec(data))
    saline, midazolam = plan.design.phases[0].arms[2:]
    assert [d.drug.value for d in saline.regimen] == ["saline"]
    assert saline.regimen.doses[0].duration_h == pytest.approx(40 / 60)
    assert [d.drug.value for d in midazolam.regimen] == ["midazolam"]


def test_relapse_needs_responders_or_an_explicit_at_risk():
    data = copy.deepcopy(WITHDRAWAL)
    del data["definitions"]["response"], data["definitions"]["remission"]
    data["endpoints"] = [e for e in data["endpoints"] if e.get("of") not in ("response",)]
    with pytest.raises(InputError) as info:
        compile_plan(parse_spec(data))
    assert info.value.field == "definitions.relapse.at_risk"
    data["definitions"]["relapse"]["at_risk"] = []
    assert compile_plan(parse_spec(data)).definitions["relapse"].at_risk == ()


def test_from_last_dose_needs_doses_in_the_arm():
    data = copy.deepcopy(PARALLEL)
    data["arms"].append({"id": "waitlist", "n": 10})
    data["endpoints"] = [{"id": "late", "measure": "mean", "at": "1 d", "from": "last_dose", "by": "arm"}]
    with pytest.raises(InputError) as info:
        compile_plan(parse_spec(data))
    assert info.value.field == "endpoints[0].from"
    assert "waitlist" in info.value.rule


def test_yaml_and_file_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: [unclosed\n")
    with pytest.raises(InputError) as info:
        load_spec(bad)
    assert info.value.field == "file"
    with pytest.raises(InputError) as info:
        load_spec(tmp_path / "missing.yaml")
    assert info.value.field == "file"
    bad.write_text("- a list\n")
    with pytest.raises(InputError) as info:
        load_spec(bad)
    assert info.value.field == "(root)"


def test_examples_check_and_resolve():
    plan = check_spec(example_path("esketamine-withdrawal"))
    d = plan.design
    assert d.n_enrolled == 400
    assert [(p.id, p.start_h / 24, p.end_h / 24) for p in d.phases] == [
        ("induction", 0, 28), ("maintenance", 28, 208)
    ]  # fmt: skip
    cont, withdraw = d.phases[1].arms
    # weekly from the phase start up to (not at) its end; the placebo arm mirrors it
    assert cont.sessions_h == withdraw.sessions_h == tuple(24.0 * k for k in range(0, 180, 7))
    assert {x.drug.value for x in withdraw.regimen} == {"placebo_spray"}
    assert d.stages() == [(0, 0), (1, 1)]
    # visits weekly, the phase boundaries, and endpoint times (4 h, 24 h) on the output grid
    assert {0.0, 4.0, 24.0, 28 * 24.0, 208 * 24.0} <= set(d.times_h.tolist())
    assert plan.definitions["relapse"].at_risk == ("response", "remission")
    assert plan.definitions["relapse"].confirm_h == (120.0, 360.0)
    parallel = check_spec(example_path("ketamine-vs-saline-midazolam"))
    assert parallel.design.n_enrolled == 96
    assert [a.n for a in parallel.design.phases[0].arms] == [48, 24, 24]


def test_baseline_on_another_scale_is_converted_with_the_inverse_link():
    from ketasim.symptoms import link

    data = copy.deepcopy(PARALLEL)
    data["population"]["baseline"] = {"scale": "hamd17", "mean": 24, "sd": 4, "min": 18}
    pop = compile_plan(parse_spec(data)).design.population.baseline_madrs
    assert float(link(MODEL, __import__("numpy").array([pop.mean]), "hamd17")[0]) == pytest.approx(24)
    assert float(link(MODEL, __import__("numpy").array([pop.min]), "hamd17")[0]) == pytest.approx(18)


def test_cohort_names_the_shared_patients_and_must_be_an_id():
    data = copy.deepcopy(PARALLEL)
    assert parse_spec(data).cohort is None
    data["cohort"] = "nimh"
    assert parse_spec(data).cohort == "nimh"
    data["cohort"] = "2 sites"
    with pytest.raises(InputError) as info:
        parse_spec(data)
    assert info.value.field == "cohort"
