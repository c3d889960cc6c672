r"""SBML Level 3 Version 2 export of the full model (PK, cascade, synaptic pools, MADRS) for one patient.

The equations are those of :mod:`ketasim.engine.ode` (the engine's reference
right-hand side), written rule by rule, so that an SBML simulator nobody here
wrote (libroadrunner) can check the engine. libsbml and libroadrunner are not
needed to export; the tests use them to validate and simulate the file.

**Layout.** Every state is a ``parameter`` with ``constant="false"`` and a
``rateRule``: the PK states keep their names from ``system.names`` (amounts,
mg), the cascade states are those of :data:`ketasim.pd.cascade.CHAIN_STATES`,
the synaptic pools are ``N``, ``S``, ``L`` (shares of the deficit). They are
parameters rather than species because none of them is a chemical species in a
compartment: the PK is a linear matrix, not a set of reactions, and with rate
rules on parameters the file reads like the ODE (``x' = A x + in``), with no
compartment-volume conversions in the rules or in the dose events.

**Units.** Time in hours (``timeUnits="hour"``), PK states in mg, rates in
mg/h, plasma concentrations in mg/L (= ng/mL), effect-site molar
concentrations in µmol/L, everything else dimensionless. Every parameter and
every number carries its units, so libsbml's unit checks pass.

**Naming.** Values marked * are per patient: one loaded model serves every
patient of the same prepared run once these are set (``setValue`` in
libroadrunner; :func:`patient_parameters`, :class:`ketasim.bench.roadrunner.RoadRunnerCohort`).

=========================================  =========================================================
``A__<to>__<from>`` *                      PK matrix entry :math:`A_{to,from}` (1/h)
``in__<state>``                            zero-order input running into a PK state (mg/h); events
``rate_<j>`` *                             rate of zero-order input ``j`` (infusion, zero-order uptake)
``bolus_<k>__<state>`` *                   mg added to ``state`` by event ``ev_<k>``
``expect_<k>`` *                           expectancy impulse of ``ev_<k>``: ``EF += placebo·expect_k``
``wq__<s>``, ``ws__<s>``, ``wh__<s>`` *    weights of state ``s`` in ``q``, ``C_s``, ``C_hnk``
``wp_<analyte>__<s>`` *                    plasma row of an analyte; rule ``C_plasma_<analyte>`` (ng/mL)
``g sigma placebo ad_max phi beta_bz`` *   individual PD values (:class:`~ketasim.pd.individual.IndividualPD`)
``new_ad`` *                               1 if an oral antidepressant is newly started
``base_<k>``, ``floor_<k>`` *              baseline and floor of MADRS item ``k`` (1-10)
``GMAX TAU_G ... W_SAT``, ``ampa`` ...     shared constants, named as in the parameter library
``ad_on``                                  new oral antidepressant running (0/1); set by an event
``q O_int D M X W capture F syn ...``      intermediate quantities (assignment rules)
``item_<k>``, ``madrs``                    true MADRS items and total (assignment rules)
=========================================  =========================================================

**Annotations.** The model and its parameters carry SBO terms, the model a
history (creator; dates of the calibrated set, never the wall clock) and notes
on what wrote it: :mod:`ketasim.io.sbml_annotations`, docs/decisions/0026-sbml-annotations.md.

**Events.** Everything that happens at one time is one event ``ev_<k>``
(boluses, the expectancy impulse, zero-order inputs switched on or off, the
new antidepressant started), so no two events write the same variable at the
same instant and their order never matters. Triggers are ``time > t_k``
(strict), persistent, ``initialValue="false"``, with
``useValuesFromTriggerTime="true"``: an output requested at ``t_k`` reads the
state before that time's doses, as the engine records it, and an event at 0
fires at the start. The file holds the events of the prepared run up to its
horizon (its last output time).

>>> from ketasim.regimen.named import load_regimen
>>> xml = export_sbml(load_regimen("iv-single"), days=2)
>>> xml.count("<event "), "madrs" in xml
(2, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from ketasim.engine.prepared import Prepared, prepare
from ketasim.errors import InputError, ModelError
from ketasim.io import _mathml as mm
from ketasim.io.sbml_annotations import (
    MODEL_META_ID,
    MODEL_SBO,
    history_date,
    model_annotation,
    sbo_attribute,
    sbo_term,
)
from ketasim.io.sbml_layout import ITEMS, POOLS, Layout, label
from ketasim.model import Model, default_model
from ketasim.pd.cascade import CHAIN_STATES
from ketasim.population.patients import Cohort, Patient
from ketasim.regimen.regimen import Regimen

__all__ = ["export_sbml", "patient_parameters", "to_sbml"]

#: Unit definitions: id -> ((kind, exponent, scale, multiplier), ...).
_UNITS: dict[str, tuple[tuple[str, int, int, float], ...]] = {
    "hour": (("second", 1, 0, 3600.0),),
    "per_hour": (("second", -1, 0, 3600.0),),
    "mg": (("gram", 1, -3, 1.0),),
    "per_mg": (("gram", -1, -3, 1.0),),
    "mg_per_hour": (("gram", 1, -3, 1.0), ("second", -1, 0, 3600.0)),
    "per_litre": (("litre", -1, 0, 1.0),),
    "mg_per_litre": (("gram", 1, -3, 1.0), ("litre", -1, 0, 1.0)),
    "umol_per_litre": (("mole", 1, -6, 1.0), ("litre", -1, 0, 1.0)),
    "umol_per_litre_per_mg": (("mole", 1, -6, 1.0), ("litre", -1, 0, 1.0), ("gram", -1, -3, 1.0)),
    "per_umol_per_litre": (("mole", -1, -6, 1.0), ("litre", 1, 0, 1.0)),
    "per_umol_per_litre_per_hour": (("mole", -1, -6, 1.0), ("litre", 1, 0, 1.0), ("second", -1, 0, 3600.0)),
}
#: Library unit strings -> SBML unit ids.
_UNIT_OF = {"1": "dimensionless", "h": "hour", "1/h": "per_hour", "1/(uM h)": "per_umol_per_litre_per_hour"}
#: Units of per-patient values, by id prefix (the rest are dimensionless).
_VALUE_UNITS = (
    ("A__", "per_hour"), ("wq__", "per_mg"), ("ws__", "umol_per_litre_per_mg"),
    ("wh__", "umol_per_litre_per_mg"), ("wp_", "per_litre"), ("rate_", "mg_per_hour"), ("bolus_", "mg"),
)  # fmt: skip
#: Shared constants of the rules: (id, role of its parameter set in Model).
_SHARED = (
    ("GMAX", "glutamate"), ("TAU_G", "glutamate"), ("TAU_B", "bdnf"), ("W_E", "bdnf"),
    ("TAU_M", "mtor"), ("TAU_P", "mtor"), ("TAU_X", "spine_timing"), ("TAU_W", "cascade"),
    ("K_N", "cascade"), ("TAU_N", "cascade"), ("K_STAB", "cascade"), ("M_TH", "cascade"),
    ("TAU_S", "cascade"), ("K_MAT", "cascade"), ("TAU_L", "cascade"), ("TAU_EF", "nonspecific"),
    ("K_ES", "nonspecific"), ("TAU_ES", "nonspecific"), ("TAU_AD", "nonspecific"), ("R_P_MAX", "nonspecific"),
    ("K_TOL", "acute"), ("TAU_TOL", "acute"), ("A_W", "symptoms"), ("A_W_SI", "symptoms"),
    ("W_SAT", "symptoms"),
)  # fmt: skip
_RULE_UNITS = {"C_s": "umol_per_litre", "C_hnk": "umol_per_litre", "capture": "per_hour"}


@dataclass
class _Param:
    id: str
    value: float
    units: str
    name: str
    constant: bool = True


def patient_parameters(prepared: Prepared, patient_index: int = 0) -> dict[str, float]:
    """Per-patient SBML parameter values of one patient of a prepared run (ids: module docstring)."""
    return Layout(prepared).values(patient_index)


def _weighted(prefix: str, support: Sequence[int], names: Sequence[str], zero_units: str) -> str:
    terms = [mm.times(mm.ci(f"{prefix}__{names[s]}"), mm.ci(names[s])) for s in support]
    return mm.plus(*terms) if terms else mm.cn(0, zero_units)


def _pos(x: str) -> str:
    """max(x, 0), written (x + |x|)/2: exact in floating point, and smooth enough for CVODE.

    A piecewise clamp on a quantity that sits at round-off level between doses
    (the receptor occupancy, the mTORC1 pulse) made CVODE stall after late doses.
    """
    return mm.divide(mm.plus(x, mm.abs_(x)), mm.cn(2))


def _clip01(x: str) -> str:
    return mm.piecewise(mm.cn(0), mm.lt(x, mm.cn(0)), mm.piecewise(mm.cn(1), mm.gt(x, mm.cn(1)), x))


def _one_minus(x: str) -> str:
    return mm.minus(mm.cn(1), x)


def _relax(source: str, state: str, tau: str) -> str:
    return mm.divide(mm.minus(source, mm.ci(state)), mm.ci(tau))


def _assignments(lay: Layout) -> list[tuple[str, str]]:
    """Assignment rules (variable, MathML): receptor drive, gains, symptoms, concentrations."""
    names = lay.pk
    c, v = mm.ci, mm.cn
    keep = {
        k: mm.times(c("g"), _one_minus(mm.times(_one_minus(mm.times(c(a), c("F"))), _one_minus(c("syn")))))
        for k, a in (("keep", "A_W"), ("keep_si", "A_W_SI"))
    }
    rules = [
        ("q_raw", _weighted("wq", lay.rows["wq"], names, "dimensionless")),
        ("q", _pos(c("q_raw"))),
        ("O_int", mm.divide(c("q"), mm.plus(v(1), c("q")))),
        ("q_pyr", mm.divide(c("q"), c("S_PYR"))),
        ("O_pyr", mm.divide(c("q_pyr"), mm.plus(v(1), c("q_pyr")))),
        ("D", mm.times(mm.power(c("O_int"), c("H_INT")), mm.power(_one_minus(c("O_pyr")), c("N_PYR")))),
        ("C_s", _weighted("ws", lay.rows["ws"], names, "umol_per_litre")),
        ("C_hnk", _weighted("wh", lay.rows["wh"], names, "umol_per_litre")),
        ("u_direct", mm.plus(mm.times(c("W_E"), c("O_int")), mm.times(c("W_HNK"), c("C_hnk")))),
        ("M", mm.times(c("phi"), mm.plus(mm.times(c("ampa"), c("M1")), c("M2")))),
        ("X", mm.times(c("phi"), mm.plus(mm.times(c("ampa"), c("X1")), c("X2")))),
        ("W", mm.times(c("phi"), c("ampa"), c("W1"))),
        ("M_pos", _pos(c("M"))),
        ("capture", mm.divide(
            mm.times(c("K_STAB"), mm.power(c("M_pos"), v(4))),
            mm.plus(mm.power(c("M_TH"), v(4)), mm.power(c("M_pos"), v(4))),
        )),
        ("F", mm.tanh(mm.divide(_pos(c("W")), c("W_SAT")))),
        ("syn_raw", mm.plus(c("N"), c("S"), c("L"))),
        ("syn", _clip01(c("syn_raw"))),
        ("ad_clip", _clip01(c("AD"))),
        # (1 - R_p)(1 - R_AD), R_p = R_P_MAX·(1 - exp(-max(EF + ES, 0))), R_AD = clip(AD)·ad_max
        ("keep_common", mm.times(
            _one_minus(mm.times(c("R_P_MAX"), _one_minus(mm.exp(mm.neg(_pos(mm.plus(c("EF"), c("ES")))))))),
            _one_minus(mm.times(c("ad_clip"), c("ad_max"))),
        )),
        ("keep", keep["keep"]),
        ("keep_si", keep["keep_si"]),
    ]  # fmt: skip
    for k in range(1, ITEMS + 1):
        factor = mm.times(_one_minus(c("keep_si" if k == ITEMS else "keep")), c("keep_common"))
        rules.append(
            (
                f"item_{k}",
                mm.plus(c(f"floor_{k}"), mm.times(mm.minus(c(f"base_{k}"), c(f"floor_{k}")), factor)),
            )
        )
    rules.append(("madrs", mm.plus(*(c(f"item_{k}") for k in range(1, ITEMS + 1)))))
    for analyte, support in lay.plasma.items():
        rules.append((f"C_plasma_{analyte}", _weighted(f"wp_{analyte}", support, names, "mg_per_litre")))
    return rules


def _rate_rules(lay: Layout) -> list[tuple[str, str]]:
    """Rate rules (variable, MathML), one per state, as in engine/ode.py."""
    names = lay.pk
    c = mm.ci
    rules: list[tuple[str, str]] = []
    inputs = {names[e.state] for e in lay.rates}
    for r, name in enumerate(names):
        terms = [mm.times(c(f"A__{name}__{names[j]}"), c(names[j])) for row, j in lay.a_pattern if row == r]
        if name in inputs:
            terms.append(c(f"in__{name}"))
        rules.append((name, mm.plus(*terms) if terms else mm.cn(0, "mg_per_hour")))
    drive = mm.times(c("GMAX"), _one_minus(c("beta_bz")), c("D"))
    rules += [
        ("G", _relax(drive, "G", "TAU_G")),
        ("B1", _relax(c("G"), "B1", "TAU_B")), ("B2", _relax(c("u_direct"), "B2", "TAU_B")),
        ("M1", _relax(c("B1"), "M1", "TAU_M")), ("M2", _relax(c("B2"), "M2", "TAU_M")),
        ("P1", _relax(c("M1"), "P1", "TAU_P")), ("P2", _relax(c("M2"), "P2", "TAU_P")),
        ("X1", _relax(c("P1"), "X1", "TAU_X")), ("X2", _relax(c("P2"), "X2", "TAU_X")),
        ("W1", _relax(c("M1"), "W1", "TAU_W")),
        ("EF", mm.neg(mm.divide(c("EF"), c("TAU_EF")))),
        ("ES", mm.minus(mm.times(c("K_ES"), c("EF")), mm.divide(c("ES"), c("TAU_ES")))),
        ("AD", _relax(c("ad_on"), "AD", "TAU_AD")),
        ("TOL", mm.minus(mm.times(c("K_TOL"), c("C_s")), mm.divide(c("TOL"), c("TAU_TOL")))),
        ("N", mm.minus(
            mm.times(c("K_N"), c("X"), _one_minus(c("syn_raw"))),
            mm.times(mm.plus(mm.divide(c("sigma"), c("TAU_N")), c("capture")), c("N")),
        )),
        ("S", mm.minus(
            mm.times(c("capture"), c("N")),
            mm.times(mm.plus(mm.divide(c("sigma"), c("TAU_S")), c("K_MAT")), c("S")),
        )),
        ("L", mm.minus(mm.times(c("K_MAT"), c("S")), mm.times(mm.divide(c("sigma"), c("TAU_L")), c("L")))),
    ]  # fmt: skip
    return rules


def _events(lay: Layout) -> list[tuple[int, list[tuple[str, str]], list[str]]]:
    """(time in s, assignments, what happens) of every event, in time order."""
    sched, names = lay.p.schedule, lay.pk
    out = []
    for k, t in enumerate(lay.event_times):
        assign: list[tuple[str, str]] = []
        what: list[str] = []
        for s in lay.bolus_states.get(t, []):
            assign.append((names[s], mm.plus(mm.ci(names[s]), mm.ci(f"bolus_{k}__{names[s]}"))))
            what.append(f"bolus into {names[s]}")
        if t in sched.impulses:
            assign.append(("EF", mm.plus(mm.ci("EF"), mm.times(mm.ci("placebo"), mm.ci(f"expect_{k}")))))
            what.append("expectancy impulse")
        for state in sorted({e.state for e in lay.rates}):
            # the inputs running just after t replace those running just before it
            after = [j for j, e in enumerate(lay.rates) if e.state == state and e.start <= t < e.end]
            before = [j for j, e in enumerate(lay.rates) if e.state == state and e.start < t <= e.end]
            if after != before:
                value = mm.plus(*(mm.ci(f"rate_{j}") for j in after)) if after else mm.cn(0, "mg_per_hour")
                assign.append((f"in__{names[state]}", value))
                what.append(
                    f"input into {names[state]}: " + (" + ".join(f"rate_{j}" for j in after) or "off")
                )
        if t == lay.ad_time:
            assign.append(("ad_on", mm.ci("new_ad")))
            what.append("oral antidepressant start (if new_ad)")
        out.append((t, assign, what))
    return out


def _parameters(lay: Layout, values: Mapping[str, float]) -> list[_Param]:
    p, names, model = lay.p, lay.pk, lay.p.model
    params = [_Param(s, 0.0, "mg", "PK state (amount)", constant=False) for s in names]
    params += [_Param(s, 0.0, "dimensionless", label(s), constant=False) for s in (*CHAIN_STATES, *POOLS)]
    for s in sorted({e.state for e in lay.rates}):
        params.append(
            _Param(f"in__{names[s]}", 0.0, "mg_per_hour", "zero-order input running", constant=False)
        )
    params.append(
        _Param("ad_on", 0.0, "dimensionless", "new oral antidepressant running (0/1)", constant=False)
    )
    for pid, role in _SHARED:
        ps = getattr(model, role)
        par = ps[pid]
        params.append(_Param(pid, float(par.value), _UNIT_OF[par.unit], f"{par.description} ({ps.name})"))
    params += [
        _Param("S_PYR", p.s_pyr, "dimensionless", "pyramidal/interneuron selectivity of the block"),
        _Param("N_PYR", p.n_pyr, "dimensionless", "pyramidal block exponent"),
        _Param("H_INT", p.h_int, "dimensionless", "interneuron block exponent"),
        _Param("W_HNK", p.w_hnk, "per_umol_per_litre", "(2R,6R)-HNK weight into BDNF (0: switch off)"),
        _Param("ampa", p.ind.ampa, "dimensionless", "AMPA route on (1) or blocked (0)"),
    ]
    for pid, value in values.items():
        units = next((u for prefix, u in _VALUE_UNITS if pid.startswith(prefix)), "dimensionless")
        params.append(_Param(pid, value, units, lay.label(pid)))
    return params


def _unit_definitions() -> list[str]:
    out = ["    <listOfUnitDefinitions>"]
    for uid, units in _UNITS.items():
        out.append(f'      <unitDefinition id="{uid}"><listOfUnits>')
        for kind, expo, scale, mult in units:
            out.append(
                f'        <unit kind="{kind}" exponent="{expo}" scale="{scale}" multiplier="{mult!r}"/>'
            )
        out.append("      </listOfUnits></unitDefinition>")
    out.append("    </listOfUnitDefinitions>")
    return out


def _description(prepared: Prepared, patient_index: int) -> str:
    """What the file is, for its notes: package version, parameter values, patient and horizon."""
    from ketasim import __version__

    values = prepared.model.calibration or "the library priors"
    return (
        f"Written by ketasim {__version__} (ketasim.io.sbml) from the equations of ketasim.engine.ode: "
        f"PK, receptor drive, cascade, synaptic pools and MADRS items of patient {patient_index} of a "
        f"prepared run, with the values of {values}, and its doses up to {prepared.grid.end / 3600:g} h. "
        "Time in hours; MADRS is the rule 'madrs'."
    )


def to_sbml(prepared: Prepared, patient_index: int = 0) -> str:
    """SBML (Level 3 Version 2) of the full model for one patient of a prepared run.

    Args:
        prepared: a prepared engine run (:func:`ketasim.engine.prepared.prepare`);
            the file holds its events up to its horizon.
        patient_index: which patient's values the file carries. Every patient
            of ``prepared`` has the same ids (see :func:`patient_parameters`).

    Returns:
        the SBML document (time in hours) as a string.
    """
    lay = Layout(prepared)
    params = _parameters(lay, lay.values(patient_index))
    assign, rate = _assignments(lay), _rate_rules(lay)
    ids = [q.id for q in params] + [var for var, _ in assign]
    if len(set(ids)) != len(ids):
        raise ModelError(
            "sbml", "ids", "every SBML id must be unique", sorted({x for x in ids if ids.count(x) > 1})
        )
    name = f"ketasim {'+'.join(prepared.system.blocks) or 'placebo'}, patient {patient_index}"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<sbml xmlns="{mm.SBML_NS}" level="3" version="2">',
        f'  <model metaid="{MODEL_META_ID}"{sbo_attribute(MODEL_SBO)} id="ketasim" name={quoteattr(name)} '
        'timeUnits="hour">',
        *model_annotation(_description(prepared, patient_index), history_date(prepared.model)),
        *_unit_definitions(),
        "    <listOfParameters>",
    ]
    pk = set(lay.pk)
    for q in params:
        sbo = sbo_attribute(sbo_term(q.id, q.units, constant=q.constant, pk_states=pk))
        out.append(
            f'      <parameter id="{q.id}" name={quoteattr(q.name)} value="{float(q.value)!r}" '
            f'units="{q.units}" constant="{str(q.constant).lower()}"{sbo}/>'
        )
    for var, _ in assign:
        units = "mg_per_litre" if var.startswith("C_plasma_") else _RULE_UNITS.get(var, "dimensionless")
        sbo = sbo_attribute(sbo_term(var, units, constant=False, pk_states=pk))
        out.append(f'      <parameter id="{var}" units="{units}" constant="false"{sbo}/>')
    out += ["    </listOfParameters>", "    <listOfRules>"]
    out += [
        f'      <assignmentRule variable="{var}">{mm.math(expr)}</assignmentRule>' for var, expr in assign
    ]
    out += [f'      <rateRule variable="{var}">{mm.math(expr)}</rateRule>' for var, expr in rate]
    out.append("    </listOfRules>")
    events = _events(lay)
    if events:
        out.append("    <listOfEvents>")
        for k, (t, assignments, what) in enumerate(events):
            title = quoteattr(f"t = {t / 3600:g} h: " + "; ".join(what))
            trigger = mm.math(mm.gt(mm.time(), mm.cn(t / 3600.0, "hour")))
            out += [
                f'      <event id="ev_{k}" name={title} useValuesFromTriggerTime="true">',
                f'        <trigger initialValue="false" persistent="true">{trigger}</trigger>',
                "        <listOfEventAssignments>",
                *(f'          <eventAssignment variable="{var}">{mm.math(expr)}</eventAssignment>'
                  for var, expr in assignments),
                "        </listOfEventAssignments>",
                "      </event>",
            ]  # fmt: skip
        out.append("    </listOfEvents>")
    out += ["  </model>", "</sbml>", ""]
    return "\n".join(out)


def export_sbml(
    regimen: Regimen,
    patient: Patient | None = None,
    days: float = 90.0,
    model: Model | None = None,
    etas: Mapping[str, float] | None = None,
) -> str:
    """SBML of one patient (default: typical) under ``regimen``, with its doses up to ``days``."""
    model = default_model() if model is None else model
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= 3650:
        raise InputError("sbml", "days", "must be a number within 0-3650 (0 excluded)", days)
    cohort = Cohort.of([patient or Patient()], {k: [v] for k, v in (etas or {}).items()})
    return to_sbml(prepare(model, cohort, regimen, [0.0, 24.0 * float(days)]), 0)
