"""Every scale name written as a type in the code is a name of the one registry, ``symptoms.SCALES``.

The Literal types exist so pydantic and FastAPI refuse an unknown scale at the edge; this test keeps
them from drifting away from the registry the model reads (a scale added to one but not the other).
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Literal, Union, get_args, get_origin

from ketasim.protocols.spec import Scale as ProtocolScale
from ketasim.store.scales import INSTRUMENTS
from ketasim.store.schemas import Instrument
from ketasim.symptoms import RECORDED, SCALES, SIMULATED, Scale
from ketasim.trials.spec_base import SCALE_NAMES, ScaleName
from ketasim.trials.spec_population import Baseline
from ketasim.web.api.scales import list_scales
from ketasim.web.model_bridge import FORECAST_SCALES
from ketasim.web.pages.clinic import ForecastScale

#: The clinic records the C-SSRS, a suicide-risk screen the model does not simulate or link.
NOT_MODELLED = {"cssrs"}


def _names(tp: object) -> set[str]:
    """The string values of the Literal inside ``tp`` (through Annotated, Optional and unions)."""
    origin = get_origin(tp)
    if origin is Literal:
        return {a for a in get_args(tp) if isinstance(a, str)}
    if origin is Annotated:
        return _names(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_names(a) for a in get_args(tp)))
    return set()


def _totals(names: tuple[str, ...]) -> set[str]:
    """Whole-scale totals (an item score such as madrs_item10 is not a scale to write numbers on)."""
    return {s for s in names if "_item" not in s}


def test_the_helper_reads_literals_through_annotated_and_optional():
    assert _names(Annotated[Literal["a", "b"] | None, "x"]) == {"a", "b"}
    assert _names(int) == set()


def test_the_simulated_scale_types_are_the_registrys_simulated_scales():
    assert _names(Scale) == set(SIMULATED)
    assert _names(ScaleName) == set(SIMULATED) == set(SCALE_NAMES)


def test_a_trial_baseline_is_written_on_a_simulated_total():
    baseline = _names(Baseline.model_fields["scale"].annotation)
    assert baseline == _totals(SIMULATED)


def test_protocol_and_forecast_scales_are_totals_both_simulated_and_recorded():
    observed = _totals(tuple(s for s in SIMULATED if s in RECORDED))
    assert _names(ProtocolScale) == observed
    assert _names(ForecastScale) == observed == set(FORECAST_SCALES)


def test_the_clinics_instruments_are_recorded_scales_with_the_registrys_range():
    instruments = _names(Instrument)
    assert instruments == set(INSTRUMENTS)
    hints = typing.get_type_hints(list_scales, include_extras=True)
    assert _names(hints["instrument"]) == instruments
    for name in instruments - NOT_MODELLED:
        assert name in RECORDED, name
        assert INSTRUMENTS[name].total_max == SCALES[name].maximum, name
    assert not NOT_MODELLED & set(SCALES)
