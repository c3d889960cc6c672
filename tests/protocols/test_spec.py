"""Protocol files: shipped examples load, the schema is current, bad files fail with the field named."""

import copy
import json

import pytest
import yaml

from ketasim.errors import InputError
from ketasim.protocols.catalog import LIBRARY, load, names
from ketasim.protocols.checks import thresholds
from ketasim.protocols.load import load_protocol, parse_protocol
from ketasim.protocols.schema import SCHEMA_PATH, schema_text

IV = {
    "name": "iv",
    "dose": {"drug": "racemic_ketamine", "route": "iv", "amount": "0.5 mg/kg", "over": "40 min"},
    "induction": {"sessions": 6, "per_week": 3},
    "maintenance": {"policy": "fixed", "every_days": 21},
    "reinduction": {"sessions": 6, "per_week": 3},
    "constraints": {"min_hours_between_sessions": 48},
}
ESK = {
    "name": "esk",
    "dose": {"drug": "esketamine", "route": "intranasal", "amount": "56 mg", "titration": {"to": "84 mg"}},
    "induction": {"sessions": 8, "per_week": 2},
    "maintenance": {"policy": "taper", "intervals_days": [7, 14]},
    "constraints": {"label": "esketamine_us"},
}


def test_the_four_named_protocols_ship_and_load():
    assert names() == [
        "esketamine-label",
        "iv-6x2w-fixed-3-weekly",
        "iv-6x2w-relapse-only",
        "iv-6x2w-symptom-triggered",
    ]
    policies = {load(n).maintenance.policy for n in names()}
    assert policies == {"taper", "fixed", "relapse_only", "symptom_triggered"}


def test_schema_file_is_current():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), "run python -m ketasim.protocols.schema"
    schema = json.loads(schema_text())
    assert set(schema["required"]) == {"name", "dose", "induction", "maintenance"}


def test_shipped_files_follow_the_schema_keys():
    props = json.loads(schema_text())["properties"]
    for path in LIBRARY.glob("*.yaml"):
        assert set(yaml.safe_load(path.read_text())) <= set(props)


@pytest.mark.parametrize(
    ("per_week", "every", "days", "expected"),
    [
        (3, None, None, [0, 2, 4, 7, 9, 11]),
        (2, None, None, [0, 3, 7, 10, 14, 17]),
        (None, 3, None, [0, 3, 6, 9, 12, 15]),
        (None, None, [0, 1, 5, 6, 8, 20], [0, 1, 5, 6, 8, 20]),
    ],
)
def test_schedule_offsets(per_week, every, days, expected):
    data = copy.deepcopy(IV)
    data["constraints"] = {}
    data["induction"] = {"sessions": 6, "per_week": per_week, "every_days": every, "days": days}
    assert parse_protocol(data).induction.offsets() == expected


def test_default_thresholds_are_the_madrs_cut_offs_linked_to_the_scale():
    data = copy.deepcopy(IV)
    t = thresholds(parse_protocol(data))
    assert (t.remission_max, t.relapse_min, t.response_fraction, t.confirmations) == (12, 22, 0.5, 2)
    data["assessment"] = {"scale": "phq9"}
    t = thresholds(parse_protocol(data))
    assert (t.remission_max, t.relapse_min) == (8, 13)  # 1.25 + 0.536 x MADRS, rounded


def _set(data, path, value):
    keys = path.split(".")
    node = data
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    if value is _DELETE:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value


_DELETE = object()

BAD = [
    (IV, "colour", "blue", "colour", "Extra inputs"),
    (IV, "dose.amount", "0.5", "dose.amount", "needs a unit"),
    (IV, "dose.drug", "aspirin", "dose.drug", "unknown drug"),
    (IV, "dose.drug", "saline", "dose.drug", "active drug"),
    (ESK, "dose.route", "im", "dose.route", "no esketamine model"),
    (ESK, "dose.amount", "50 mg", "dose.amount", "whole 28 mg devices"),
    (ESK, "dose.amount", "84 mg", "dose.amount", "esketamine label starts at 56 mg"),
    (ESK, "dose.over", "40 min", "dose.over", "only IV doses can be infusions"),
    (IV, "dose.over", "forty", "dose.over", "number followed by a unit"),
    (IV, "dose.titration", {"to": "60 mg"}, "dose.titration.to", "unit of dose.amount"),
    (IV, "dose.titration", {"to": "0.75 mg/kg", "from_session": 1}, "dose.titration.from_session", "greater"),
    (ESK, "dose.titration.to", "28 mg", "dose.titration.to", "56 or 84"),
    (ESK, "dose.titration.to", "112 mg", "dose.titration.to", "whole 28 mg devices"),
    (ESK, "dose.drug", "ketamine", "constraints.label", "esketamine nasal"),
    (ESK, "induction.per_week", 3, "induction.per_week", "at most 2 sessions in treatment week 1"),
    (IV, "induction.every_days", 2, "induction.per_week", "exactly one of per_week"),
    (IV, "induction.per_week", _DELETE, "induction.per_week", "exactly one of per_week"),
    (IV, "induction.sessions", 0, "induction.sessions", "greater than or equal to 1"),
    (IV, "induction.per_week", 7, "induction.per_week", "at least 48 h between sessions"),
    (IV, "maintenance.policy", "weekly", "maintenance.policy", "must be one of fixed"),
    (IV, "maintenance.every_days", _DELETE, "maintenance.every_days", "Field required"),
    (IV, "maintenance.every_days", 0, "maintenance.every_days", "greater than or equal to 1"),
    (IV, "maintenance.booster", {"sessions": 2, "spacing_days": 1}, "maintenance.booster", "48 h"),
    (IV, "maintenance", {"policy": "relapse_only"}, "maintenance", None),
    (IV, "maintenance", {"policy": "symptom_triggered", "threshold": 70}, "maintenance.threshold", "0-60"),
    (
        IV,
        "maintenance",
        {"policy": "symptom_triggered", "threshold": 9, "fraction_of_baseline": 0.5},
        "maintenance.threshold",
        "exactly one",
    ),
    (
        IV,
        "maintenance",
        {"policy": "taper", "intervals_days": [14, 7]},
        "maintenance.intervals_days",
        "non-decreasing",
    ),
    (IV, "maintenance", {"policy": "forecast_triggered", "limit": 1.5}, "maintenance.limit", "less than 1"),
    (IV, "assessment.scale", "hamd17", "assessment.scale", "Input should be"),
    (IV, "assessment.every_days", 60, "assessment.every_days", "less than or equal to 28"),
    (IV, "definitions.remission_max", 25, "definitions.remission_max", "below relapse_min"),
    (IV, "reinduction.max_per_year", -1, "reinduction.max_per_year", "greater than or equal to 0"),
    (IV, "reinduction", {"sessions": 6, "days": [0, 2]}, "reinduction.days", "must list 6 days"),
    (IV, "reinduction", {"sessions": 2, "days": [0, 0]}, "reinduction.days", "start at 0 and increase"),
    (IV, "constraints.max_sessions_per_week", 2, "induction.per_week", "at most 2 sessions in any 7 days"),
]


@pytest.mark.parametrize(("base", "path", "value", "field", "rule"), BAD)
def test_bad_protocols_fail_before_simulation_naming_the_field(base, path, value, field, rule):
    data = copy.deepcopy(base)
    if path == "maintenance" and value == {"policy": "relapse_only"}:
        data.pop("reinduction")
        field, rule = "reinduction", "relapse_only needs a re-induction rule"
    _set(data, path, value)
    with pytest.raises(InputError) as info:
        parse_protocol(data)
    assert info.value.field == field, str(info.value)
    assert rule in str(info.value)
    assert f"field '{field}'" in str(info.value)


def test_errors_show_the_value_received():
    data = copy.deepcopy(IV)
    data["dose"]["amount"] = "half a vial"
    with pytest.raises(InputError, match="received 'half a vial'"):
        parse_protocol(data)


def test_files_that_are_not_protocols_fail(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML at line"):
        load_protocol(bad)
    bad.write_text("- just\n- a list\n")
    with pytest.raises(InputError, match="must be a mapping"):
        load_protocol(bad)
    with pytest.raises(InputError, match="neither a shipped protocol"):
        load(tmp_path / "missing.yaml")


def test_the_protocols_used_in_the_docs_are_valid():
    from pathlib import Path

    examples = sorted((Path(__file__).parents[2] / "docs" / "protocols").glob("*.yaml"))
    assert len(examples) >= 5
    for path in examples:
        assert load_protocol(path).name == path.stem


def test_the_annotated_example_in_the_docs_is_valid():
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "protocols.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert block is not None
    p = parse_protocol(yaml.safe_load(block.group(1)))
    assert p.dose.titration is not None and p.maintenance.policy == "symptom_triggered"
