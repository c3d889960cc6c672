import math

import pytest

from ketasim.errors import ModelError
from ketasim.params import Evidence, Parameter, ParameterSet, Source, Variability

SRC = Source(citation="test", evidence=Evidence.ASSUMPTION)


def make(name="CL", value=84.0, **kw):
    base = dict(name=name, value=value, unit="L/h", lower=10, upper=300, description="x", source=SRC)
    base.update(kw)
    return Parameter(**base)


def test_bounds_are_checked():
    with pytest.raises(ModelError, match="within its bounds"):
        make(value=400.0)
    with pytest.raises(ModelError, match="needs a unit"):
        make(unit="")
    with pytest.raises(ModelError, match="finite"):
        make(value=math.nan)


def test_individual_values_per_scale():
    p = make(variability=Variability(omega=0.3, scale="log", source=SRC))
    assert p.individual(0.2) == pytest.approx(84.0 * math.exp(0.2))
    q = make(
        name="F",
        value=0.54,
        unit="1",
        lower=0,
        upper=1,
        variability=Variability(omega=0.7, scale="logit", source=SRC),
    )
    logit = math.log(0.54 / 0.46) + 0.5
    assert q.individual(0.5) == pytest.approx(1 / (1 + math.exp(-logit)))
    r = make(variability=Variability(omega=1.0, scale="additive", source=SRC))
    assert r.individual(2.0) == 86.0


def test_parameter_set_is_immutable_and_replace_checks():
    ps = ParameterSet(name="Test_2020_drug", title="t", citation="c", parameters=(make(),))
    changed = ps.replace(CL=90.0)
    assert changed.value("CL") == 90.0
    assert ps.value("CL") == 84.0
    with pytest.raises(ModelError, match="not a parameter"):
        ps.replace(V=3.0)
    with pytest.raises(ModelError, match="bounds"):
        ps.replace(CL=1000.0)


def test_duplicate_names_and_bad_correlations_fail():
    with pytest.raises(ModelError, match="unique"):
        ParameterSet(name="T_2020_x", title="t", citation="c", parameters=(make(), make()))
    with pytest.raises(ModelError, match="variability"):
        ParameterSet(
            name="T_2020_x",
            title="t",
            citation="c",
            parameters=(make(),),
            correlations=(("CL", "CL", 0.5),),
        )
