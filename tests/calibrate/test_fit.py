"""Parameter space, objective and the fit on a small slice of the library (seconds, not the real fit)."""

import json
import math

import numpy as np
import pytest

from ketasim.calibrate.fit import FitOptions, calibrate
from ketasim.calibrate.library import library_specs
from ketasim.calibrate.objective import Objective, calibration_replicates
from ketasim.calibrate.report import fit_markdown
from ketasim.calibrate.space import OMEGAS, default_space
from ketasim.calibrate.validate import posterior_models, validate
from ketasim.errors import InputError
from ketasim.library.calibrated import CalibratedSet
from ketasim.model import PRIOR_MODEL

G = "Ketasim_2026_symptoms.G_TYP"


def test_space_covers_every_estimated_parameter_and_round_trips():
    space = default_space(PRIOR_MODEL)
    assert set(PRIOR_MODEL.estimated()) | {f"{q}.omega" for q in OMEGAS} == set(space.names)
    values = space.values(np.zeros(len(space.dims)))
    for d in space.dims:
        assert values[d.name] == pytest.approx(d.prior, rel=1e-9)
        lo, hi = d.u_bounds()
        assert lo < 0 < hi
        # +/- 2 prior SDs span the library bounds (omegas: their own prior)
        if not d.name.endswith(".omega"):
            assert hi - lo == pytest.approx(4.0)
    model = space.model(PRIOR_MODEL, np.ones(len(space.dims)) * 0.5)
    for d in space.dims:
        assert model.value(d.name) == pytest.approx(d.natural(0.5))


def test_model_takes_omegas_and_rejects_bad_names():
    m = PRIOR_MODEL.with_values({f"{G}.omega": 1.7, G: 0.4})
    assert m.value(f"{G}.omega") == 1.7 and m.value(G) == 0.4
    with pytest.raises(InputError, match=r"Set\.PARAM"):
        PRIOR_MODEL.with_values({"G_TYP": 0.4})
    with pytest.raises(Exception, match="variability"):
        PRIOR_MODEL.with_values({"Ketasim_2026_symptoms.A_W.omega": 0.3})


def test_objective_is_deterministic_and_moves_with_the_parameters():
    specs = library_specs(only=("murrough2013ajp",))
    space = default_space(PRIOR_MODEL)
    assert calibration_replicates(specs[0], 300) == 5
    a = Objective(specs, space, PRIOR_MODEL, patients=300)
    b = Objective(specs, space, PRIOR_MODEL, patients=300)
    u = np.zeros(len(space.dims))
    ra, rb = a.residuals(u), b.residuals(u)
    assert np.array_equal(ra, rb)  # common random numbers: same patients, same noise
    assert ra.size == len(a.targets) + len(space.dims)
    k = space.names.index(G)
    up = u.copy()
    up[k] = 0.5
    resp = next(i for i, t in enumerate(a.targets) if t.source == "A10")
    assert a.evaluate(up).predicted[resp] > a.evaluate(u).predicted[resp]
    assert a.evaluations == 2  # the prior point came from the cache
    # finite differences see the data (a step from u = 0 is a real step, not machine epsilon)
    jac = a.jacobian(u, 0.5, space.bounds()[1])
    n = len(a.targets)
    assert np.abs(jac[:n, k]).max() > 0.1
    assert np.allclose(jac[n:, :], np.eye(len(space.dims)))  # prior rows: d(u)/du


def test_small_fit_writes_a_loadable_set_with_intervals(tmp_path):
    one = FitOptions(patients=150, max_iterations=1, studies=("zarate2006",), fix_unidentified=False)
    cal = calibrate(one, command="test")
    assert cal.fit["n_targets"] == 1 and cal.fit["studies"] == ["zarate2006"]
    names = {e.name for e in cal.estimates}
    assert G in names and f"{G}.omega" in names
    for e in cal.estimates:
        assert e.lo <= e.value <= e.hi or math.isclose(e.lo, e.hi)
    # one target cannot identify 21 quantities: most stay at their priors, and say so
    assert sum(not e.identified for e in cal.estimates) >= 15
    path = tmp_path / "set.json"
    path.write_text(json.dumps(cal.to_json()))
    again = CalibratedSet.from_json(json.loads(path.read_text()), "set.json")
    model = PRIOR_MODEL.with_calibration(again)
    assert model.calibration == cal.version
    assert model.value(G) == pytest.approx(again.values()[G])
    p = model.symptoms["G_TYP"]
    assert p.source.evidence == "calibrated" and not p.placeholder
    assert p.variability is not None and not p.variability.placeholder
    md = fit_markdown(cal)
    assert "| `Ketasim_2026_symptoms.G_TYP` |" in md and "A04" in md
    # the set carries its Laplace posterior; draws from it widen the replicate range
    assert len(again.fit["u"]) == len(cal.estimates) == len(again.fit["covariance_u"])
    draws = posterior_models(again, 4, seed=1)
    assert len(draws) == 4 and draws[0].value(G) != draws[1].value(G)
    assert posterior_models(again, 4, seed=1)[0].value(G) == draws[0].value(G)  # seeded
    sampling = validate(model, studies=("zarate2006",), replicates=8)
    predictive = validate(model, calibration=again, draws=4, studies=("zarate2006",), replicates=8)
    assert sampling.draws == 0 and predictive.draws == 4
    assert "posterior predictive" in predictive.summary()["interval"]
    assert predictive.targets[0].predicted != sampling.targets[0].predicted


def test_second_stage_holds_unidentified_quantities_at_their_library_values():
    opts = FitOptions(patients=150, max_iterations=1, studies=("zarate2006",))
    cal = calibrate(opts, command="test")
    held = [e for e in cal.estimates if e.fixed]
    assert held and all(not e.identified for e in held)
    assert cal.fit["fixed"] == [e.name for e in held]
    for e in held:
        assert e.value == pytest.approx(e.prior, rel=1e-5)
        assert e.name.removesuffix(".omega") not in (cal.omegas() if e.is_omega else cal.values())
    # a held parameter keeps its library source; only fitted ones cite the calibration
    model = PRIOR_MODEL.with_calibration(cal)
    tau_n = next(e for e in held if e.name == "Ketasim_2026_cascade.TAU_N")
    assert model.value(tau_n.name) == pytest.approx(tau_n.prior)
    assert model.cascade["TAU_N"].source.evidence != "calibrated"
    # for prediction it still varies, around its library value, independently of the fitted ones
    k = [e.name for e in cal.estimates].index(tau_n.name)
    row = cal.fit["covariance_u"][k]
    assert row[k] > 0 and sum(abs(c) for j, c in enumerate(row) if j != k) == 0
    assert cal.fit["u"][k] == 0.0
    assert len({m.value(tau_n.name) for m in posterior_models(cal, 3, seed=2)}) == 3


def test_report_lists_the_largest_posterior_correlations_of_the_shipped_set():
    from ketasim.library.calibrated import load_current

    cal = load_current()
    assert cal is not None
    md = fit_markdown(cal)
    lines = [ln for ln in md.splitlines() if ln.startswith("* `") and ": r = " in ln]
    assert len(lines) == 5
    rs = [abs(float(ln.rsplit("r = ", 1)[1])) for ln in lines]
    assert rs == sorted(rs, reverse=True) and all(r <= 1.0 for r in rs)
    assert "TAU_W" not in "".join(lines), "held quantities are not in the identifiability report"
