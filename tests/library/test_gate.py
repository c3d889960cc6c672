"""Registry gate: every parameter set and PK model passes the library's conventions."""

import re

import numpy as np
import pytest

import ketasim.library as library
from ketasim.params import Evidence
from ketasim.pk.models import DEFAULT_PK
from ketasim.pk.report import parameter_sets_for, pk_report
from ketasim.population.patients import Patient
from ketasim.regimen.dose import Dose, Drug, Route
from ketasim.regimen.regimen import Regimen
from ketasim.simulate import simulate
from ketasim.units import DoseAmount

NAME = re.compile(r"^[A-Z][A-Za-z]+_\d{4}_[a-z][a-z0-9_]*$")
SETS = sorted(library.PARAMETER_SETS.items())


@pytest.mark.parametrize(("name", "ps"), SETS, ids=[n for n, _ in SETS])
def test_parameter_set_conventions(name, ps):
    assert NAME.match(name), "file and set names follow Author_Year_drug"
    module = getattr(library, name)
    assert module.__doc__ and len(module.__doc__) > 100, "module docstring cites the paper"
    assert ps.citation and ps.title
    assert len(ps) > 0
    for p in ps:
        assert p.unit, p.name
        assert p.lower <= p.value <= p.upper, p.name
        assert p.description, p.name
        assert p.source.citation, p.name
        if p.source.evidence == Evidence.ASSUMPTION and p.lower != p.upper:
            # assumptions that are not definitional constants are either placeholders or
            # documented in the source note/locator
            assert p.placeholder or p.source.locator or p.source.note or p.value in (0.0, 1.0), p.name
        if p.variability is not None:
            assert p.variability.omega >= 0
            assert p.variability.source.citation


def _dose(drug, route):
    if drug == Drug.ESKETAMINE and route == Route.INTRANASAL:
        return lambda k: Dose(drug=drug, route=route, devices=k)
    return lambda k: Dose(drug=drug, route=route, amount=DoseAmount(14.0 * k))


PAIRS = [(m.drug, r) for m in DEFAULT_PK.models() for r in sorted(m.routes, key=str)]


@pytest.mark.parametrize(("drug", "route"), PAIRS, ids=[f"{d}-{r}" for d, r in PAIRS])
def test_every_model_route_responds_to_a_dose_linearly(drug, route):
    make = _dose(drug, route)
    t = np.linspace(0, 24, 97)
    one = simulate(Regimen.of(make(1)), times=t, pd=False).concentration("s_ketamine")
    two = simulate(Regimen.of(make(2)), times=t, pd=False).concentration("s_ketamine")
    assert np.max(two - one) > 1.0, "a larger dose gives higher concentrations (difference)"
    if not (drug == Drug.ESKETAMINE and route == Route.INTRANASAL):
        np.testing.assert_allclose(two, 2 * one, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("drug", "route"), PAIRS, ids=[f"{d}-{r}" for d, r in PAIRS])
def test_every_model_route_has_sources_and_flags_placeholders(drug, route):
    sets = parameter_sets_for(DEFAULT_PK, drug, frozenset({route}))
    assert sets
    report = pk_report(Regimen.of(_dose(drug, route)(1)), Patient())
    flagged = {f"{ps.name}.{p.name}" for ps in sets for p in ps if p.placeholder}
    assert set(report.placeholders()) == flagged
    assert report.as_dict()["placeholders"] == report.placeholders()


def test_placeholder_routes_are_reported_as_such():
    report = pk_report(Regimen.of(_dose(Drug.RACEMIC_KETAMINE, Route.SC)(1)), Patient())
    assert "LeNedelec_2018_ketamine_subcutaneous.F" in report.placeholders()


def test_parameter_catalogue_in_docs_is_current():
    from pathlib import Path

    from ketasim.library.catalogue import markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "parameters.md"
    assert doc.read_text() == markdown() + "\n", "run: ketasim library --markdown > docs/parameters.md"
