import math

import pytest

from ketasim.errors import UnitError
from ketasim.units import (
    DoseAmount,
    hours,
    ng_ml_to_um,
    parse_dose,
    parse_duration_h,
    parse_weight_kg,
    um_to_ng_ml,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("84mg", DoseAmount(84.0)),
        ("84 mg", DoseAmount(84.0)),
        ("0.5mg/kg", DoseAmount(0.5, per_kg=True)),
        ("500 ug/kg", DoseAmount(0.5, per_kg=True)),
        ("1 g", DoseAmount(1000.0)),
        ("250 mcg", DoseAmount(0.25)),
    ],
)
def test_parse_dose(text, expected):
    assert parse_dose(text) == expected


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("84", "needs a unit"),
        ("84 ml", "unknown dose unit"),
        ("-5 mg", "must be positive"),
        ("0 mg", "must be positive"),
        ("nan mg", "finite"),
        ("inf mg", "finite"),
        ("mg", "must be a number"),
        ("5 stone/kg", "unknown mass unit"),
    ],
)
def test_parse_dose_errors_name_field_and_rule(text, rule):
    with pytest.raises(UnitError) as err:
        parse_dose(text, "dose")
    assert err.value.field == "dose"
    assert rule in str(err.value)
    assert repr(text) in str(err.value)


def test_durations():
    assert parse_duration_h("40min") == pytest.approx(40 / 60)
    assert parse_duration_h("2 h") == 2.0
    assert parse_duration_h("3 d") == 72.0
    assert parse_duration_h("1 wk") == 168.0
    assert hours("0 h") == 0.0
    with pytest.raises(UnitError, match="needs a unit"):
        parse_duration_h("40")
    with pytest.raises(UnitError, match="must be positive"):
        parse_duration_h("0 min")


def test_weight():
    assert parse_weight_kg("80") == 80.0
    assert parse_weight_kg("80 kg") == 80.0
    assert parse_weight_kg("176.37 lb") == pytest.approx(80.0, rel=1e-4)
    with pytest.raises(UnitError):
        parse_weight_kg("80 stone")


def test_molar_conversion_round_trip():
    # 1 µM ketamine = 237.73 ng/mL (free base, C13H16ClNO)
    assert um_to_ng_ml(1.0, "ketamine") == pytest.approx(237.73)
    assert ng_ml_to_um(185.0, "ketamine") == pytest.approx(0.778, abs=1e-3)
    assert math.isclose(ng_ml_to_um(um_to_ng_ml(0.3, "norketamine"), "norketamine"), 0.3)


def test_mg_per_kg_needs_weight():
    with pytest.raises(UnitError, match="weight"):
        DoseAmount(0.5, per_kg=True).mg(None)
    assert DoseAmount(0.5, per_kg=True).mg(80) == 40.0
