"""Cross-reference checks of a spec, and the resolved plan the runner executes.

Each endpoint, condition and target must name existing phases, arms and
definitions, and its times must fall inside the phase it measures. Every
time a measure needs joins the simulation's output grid.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketasim.errors import InputError
from ketasim.model import Model, default_model
from ketasim.trials.design import TIME_TOL_H, PhaseDesign, TrialDesign, compile_phases
from ketasim.trials.spec import TrialSpec
from ketasim.trials.spec_base import time_h
from ketasim.trials.spec_endpoints import TWO_ARM, Condition, Definition, Endpoint

__all__ = ["DefinitionPlan", "EndpointPlan", "Plan", "Row", "compile_plan"]

#: Definitions relapse is measured from by default (those that the spec defines).
RELAPSE_AT_RISK = ("response", "remission")


@dataclass(frozen=True)
class DefinitionPlan:
    """A definition with its kind, confirmation window (hours) and at-risk definitions resolved.

    ``parts`` are the resolved definitions an ``of``, ``all``, ``any`` or ``not`` refers to;
    ``between_h`` is ``once_between`` in hours.
    """

    name: str
    spec: Definition
    kind: str
    at_risk: tuple[str, ...]
    confirm_h: tuple[float, float] | None
    parts: tuple[DefinitionPlan, ...] = ()
    between_h: tuple[float, float] | None = None

    @property
    def form(self) -> str:
        return self.spec.form


@dataclass(frozen=True)
class Row:
    """One reported line of an endpoint: an arm (or a comparison) and, for km, a time."""

    label: str | None
    time_h: float | None = None


@dataclass(frozen=True)
class EndpointPlan:
    """An endpoint with its phases, rows and definition resolved."""

    spec: Endpoint
    where: str
    phases: tuple[PhaseDesign, ...]
    rows: tuple[Row, ...]
    definition: DefinitionPlan | None
    scale: str

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass
class Plan:
    """A spec checked and resolved: design, definitions, endpoints, output times."""

    design: TrialDesign
    definitions: dict[str, DefinitionPlan]
    endpoints: tuple[EndpointPlan, ...]

    @property
    def spec(self) -> TrialSpec:
        return self.design.spec


def _window(pair: tuple[str, str], where: str) -> tuple[float, float]:
    lo, hi = (time_h(t) for t in pair)
    if lo > hi or hi <= 0:
        raise InputError("trial", where, "must be [earliest, latest], latest > 0", list(pair))
    return lo, hi


class _Definitions:
    """Resolves named and inline definitions (references, combinations), rejecting cycles."""

    def __init__(self, spec: TrialSpec) -> None:
        self.spec = spec
        self.done: dict[str, DefinitionPlan] = {}
        self.open: list[str] = []

    def named(self, name: str, where: str) -> DefinitionPlan:
        if name in self.done:
            return self.done[name]
        if name not in self.spec.definitions:
            known = ", ".join(self.spec.definitions) or "none defined"
            raise InputError("trial", where, f"unknown definition (definitions: {known})", name)
        if name in self.open:
            cycle = " -> ".join([*self.open[self.open.index(name) :], name])
            raise InputError("trial", where, "definitions must not refer to themselves", cycle)
        self.open.append(name)
        plan = self.top(name, self.spec.definitions[name])
        self.open.pop()
        self.done[name] = plan
        return plan

    def parts(self, d: Definition, where: str) -> tuple[DefinitionPlan, ...]:
        if d.of is not None:
            return (self.named(d.of, f"{where}.of"),)
        if d.form == "not":
            return (self.inline(d.parts[0], f"{where}.not"),)
        if d.form in ("all", "any"):
            return tuple(self.inline(x, f"{where}.{d.form}[{i}]") for i, x in enumerate(d.parts))
        return ()

    def inline(self, d: Definition, where: str) -> DefinitionPlan:
        for name in ("confirm_within", "kind", "at_risk"):
            if getattr(d, name) is not None:
                raise InputError(
                    "trial", f"{where}.{name}", "applies to named definitions, not to parts of all/any/not",
                    getattr(d, name),
                )  # fmt: skip
        between = _window(d.once_between, f"{where}.once_between") if d.once_between else None
        return DefinitionPlan(where, d, "state", (), None, self.parts(d, where), between)

    def top(self, name: str, d: Definition) -> DefinitionPlan:
        spec = self.spec
        where = f"definitions.{name}"
        kind = d.kind or ("event" if d.confirm_within is not None or name == "relapse" else "state")
        if d.at_risk is not None:
            at_risk = tuple(d.at_risk)
        elif name == "relapse":
            at_risk = tuple(x for x in RELAPSE_AT_RISK if x in spec.definitions)
        else:
            at_risk = ()
        for i, other in enumerate(at_risk):
            if other not in spec.definitions or other == name:
                raise InputError("trial", f"{where}.at_risk[{i}]", "must name another definition", other)
        if kind == "event" and name == "relapse" and d.at_risk is None and not at_risk:
            raise InputError(
                "trial",
                f"{where}.at_risk",
                "relapse is counted among responders/remitters: define response or remission, "
                "or set at_risk: [] to count everyone",
                None,
            )
        confirm = None
        if d.confirm_within is not None:
            confirm = _window(d.confirm_within, f"{where}.confirm_within")
            if kind != "event":
                raise InputError("trial", f"{where}.kind", "confirmation applies to events", kind)
        between = _window(d.once_between, f"{where}.once_between") if d.once_between else None
        return DefinitionPlan(name, d, kind, at_risk, confirm, self.parts(d, where), between)


def _definitions(spec: TrialSpec) -> dict[str, DefinitionPlan]:
    resolver = _Definitions(spec)
    for name in spec.definitions:
        resolver.named(name, f"definitions.{name}")
    return {name: resolver.done[name] for name in spec.definitions}


class _Checker:
    def __init__(self, design: TrialDesign, defs: dict[str, DefinitionPlan]) -> None:
        self.design = design
        self.defs = defs
        self.times: list[float] = list(design.visits_h)
        self.phase_ids = [p.id for p in design.phases]

    def phase(self, phase_id: str, where: str) -> PhaseDesign:
        if phase_id not in self.phase_ids:
            raise InputError("trial", where, f"unknown phase (phases: {', '.join(self.phase_ids)})", phase_id)
        return self.design.phase(phase_id)

    def definition(self, name: str, where: str) -> DefinitionPlan:
        if name not in self.defs:
            known = ", ".join(self.defs) or "none defined"
            raise InputError("trial", where, f"unknown definition (definitions: {known})", name)
        return self.defs[name]

    def at(self, phase: PhaseDesign, arm_ids: list[str], at: str | None, origin: str, where: str) -> None:
        """Checks that ``at`` from ``origin`` lies in ``phase`` for every arm; adds those times."""
        for a in phase.arms:
            if a.id not in arm_ids:
                continue
            if origin == "last_dose" and a.last_dose_h is None:
                raise InputError(
                    "trial", f"{where}.from", f"arm {a.id} of phase {phase.id} has no doses", origin
                )
            o = self.design.origin_h(phase, a, origin)
            t = phase.end_h if at is None else o + time_h(at)
            if t > phase.end_h + TIME_TOL_H:
                span = (phase.end_h - o) / 24.0
                raise InputError(
                    "trial",
                    f"{where}.at",
                    f"must lie within the phase ({span:g} d from {origin} of arm {a.id})",
                    at,
                )
            self.times.append(t)

    def condition(self, c: Condition, default_phase: PhaseDesign | None, where: str) -> None:
        if c.phase is not None:
            phase = self.phase(c.phase, f"{where}.phase")
        elif default_phase is not None:
            phase = default_phase
        else:
            raise InputError("trial", f"{where}.phase", "is required here", None)
        if c.of is not None:
            self.definition(c.of, f"{where}.of")
        if c.covariate is None:
            self.at(phase, [a.id for a in phase.arms], c.at, c.from_, where)

    def arms_of(self, phases: list[PhaseDesign], e: Endpoint, where: str) -> list[str]:
        known: list[str] = []
        for p in phases:
            known += [a.id for a in p.arms if a.id not in known]
        named = [e.arm] if e.arm is not None else list(e.arms) if e.arms is not None else []
        for i, name in enumerate(named):
            if name not in known:
                field = "arm" if e.arm is not None else f"arms[{i}]"
                raise InputError("trial", f"{where}.{field}", f"unknown arm (arms: {', '.join(known)})", name)
        if e.by == "arm" and not any(p.explicit_arms for p in phases):
            raise InputError("trial", f"{where}.by", "the phase has no arms", e.by)
        return named or known

    def endpoint(self, i: int, e: Endpoint) -> EndpointPlan:
        where = f"endpoints[{i}]"
        if e.phase:
            phases = [self.phase(pid, f"{where}.phase") for pid in e.phase]
            if len(set(e.phase)) != len(e.phase):
                raise InputError("trial", f"{where}.phase", "lists a phase twice", e.phase)
        elif len(self.design.phases) == 1:
            phases = [self.design.phases[0]]
        else:
            raise InputError(
                "trial", f"{where}.phase", f"is required (phases: {', '.join(self.phase_ids)})", None
            )
        definition = self.definition(e.of, f"{where}.of") if e.of is not None else None
        if e.measure == "odds_ratio" or (e.measure == "difference" and e.in_ == "rate"):
            if definition is None:
                raise InputError("trial", f"{where}.of", "is required", None)
        elif e.measure == "difference" and e.of is not None:
            raise InputError("trial", f"{where}.of", f"a difference in {e.in_} takes a scale, not of", e.of)
        if definition is not None and definition.kind == "event" and e.missing != "observed":
            raise InputError(
                "trial",
                f"{where}.missing",
                f"events are censored at the last observation: {e.missing} applies to states",
                e.missing,
            )
        if e.stratum is not None:
            known = [s for p in phases for s, _ in p.strata]
            if e.stratum not in known:
                raise InputError(
                    "trial",
                    f"{where}.stratum",
                    f"must name a stratum of the endpoint's phases {known}",
                    e.stratum,
                )
        arm_ids = self.arms_of(phases, e, where)
        for p in phases:
            self.at(p, arm_ids, e.at, e.from_, where)
            for j, t in enumerate(e.times or []):
                self.at(p, arm_ids, t, e.from_, f"{where}.times[{j}]")
        for j, c in enumerate(e.among):
            for p in phases if c.phase is None else phases[:1]:
                self.condition(c, p, f"{where}.among[{j}]")
        return EndpointPlan(e, where, tuple(phases), _rows(e, phases), definition, e.scale or "madrs")


def _rows(e: Endpoint, phases: list[PhaseDesign]) -> tuple[Row, ...]:
    if e.measure in TWO_ARM:
        assert e.arms is not None
        labels: list[str | None] = [f"{e.arms[0]} vs {e.arms[1]}"]
    elif e.arm is not None:
        labels = [e.arm]
    elif e.by == "arm":
        labels = []
        for p in phases:
            labels += [a.id for a in p.arms if a.id not in labels]
    else:
        labels = [None]
    if e.measure == "km":
        assert e.times is not None
        return tuple(Row(lab, time_h(t)) for lab in labels for t in e.times)
    return tuple(Row(lab) for lab in labels)


def _targets(spec: TrialSpec, endpoints: dict[str, EndpointPlan]) -> None:
    for i, t in enumerate(spec.targets):
        where = f"targets[{i}]"
        ep = endpoints.get(t.endpoint)
        if ep is None:
            raise InputError(
                "trial",
                f"{where}.endpoint",
                f"unknown endpoint (endpoints: {', '.join(endpoints)})",
                t.endpoint,
            )
        labels = list(dict.fromkeys(r.label for r in ep.rows))
        if t.arm is None and len(labels) > 1:
            raise InputError("trial", f"{where}.arm", f"is required: the endpoint has rows {labels}", None)
        if t.arm is not None and t.arm not in labels:
            raise InputError("trial", f"{where}.arm", f"must be one of the endpoint's rows {labels}", t.arm)
        if ep.spec.measure == "km":
            if t.time is None:
                raise InputError("trial", f"{where}.time", "is required for a km endpoint", None)
            if not any(abs((r.time_h or 0.0) - time_h(t.time)) < TIME_TOL_H for r in ep.rows):
                raise InputError("trial", f"{where}.time", "must be one of the endpoint's times", t.time)
        elif t.time is not None:
            raise InputError("trial", f"{where}.time", "applies to km endpoints only", t.time)


def _rules(design: TrialDesign, defs: dict[str, DefinitionPlan]) -> None:
    """Stop and titration rules name state definitions (they are decided at a visit)."""
    for p in design.phases:
        for a in p.arms:
            where = f"{p.path}.arms[{a.index}]".lstrip(".")
            named = [
                (f"stop_when[{i}].{k}", getattr(r, k))
                for i, r in enumerate(a.stop_when)
                for k in ("of", "without")
            ]
            if a.titrate is not None:
                named.append(("titrate.unless", a.titrate.unless))
            for field, name in named:
                if name is None:
                    continue
                if name not in defs:
                    known = ", ".join(defs) or "none defined"
                    raise InputError(
                        "trial", f"{where}.{field}", f"unknown definition (definitions: {known})", name
                    )
                if defs[name].kind != "state":
                    raise InputError(
                        "trial",
                        f"{where}.{field}",
                        "rules are decided on a state at a visit, not on an event",
                        name,
                    )


def _until(design: TrialDesign, defs: dict[str, DefinitionPlan]) -> None:
    """An event-driven phase names a definition and rates patients between its start and end."""
    for p in design.phases:
        if p.until is None:
            continue
        where = f"{p.path}.until".lstrip(".")
        if p.until not in defs:
            known = ", ".join(defs) or "none defined"
            raise InputError("trial", where, f"unknown definition (definitions: {known})", p.until)
        v = design.visits_h
        inside = (v > p.start_h + TIME_TOL_H) & (v < p.end_h - TIME_TOL_H)
        if not inside.any():
            raise InputError(
                "trial",
                where,
                "the event is checked at the phase's visits, and it has none between its start and end: "
                "give it visits (e.g. visits: {every: 7 d})",
                p.until,
            )


def compile_plan(spec: TrialSpec, model: Model | None = None) -> Plan:
    """Checks ``spec`` completely and resolves it; raises :class:`InputError` naming the field."""
    model = default_model() if model is None else model
    design = compile_phases(spec, model)
    defs = _definitions(spec)
    checker = _Checker(design, defs)
    _rules(design, defs)
    _until(design, defs)
    for p in design.phases:
        for j, c in enumerate(p.continue_if):
            checker.condition(c, p, f"{p.path}.continue_if[{j}]".lstrip("."))
        for i, (_, where) in enumerate(p.strata):
            for j, c in enumerate(where):
                checker.condition(c, p, f"{p.path}.strata[{i}].where[{j}]".lstrip("."))
    seen: dict[str, EndpointPlan] = {}
    for i, e in enumerate(spec.endpoints):
        if e.id in seen:
            raise InputError("trial", f"endpoints[{i}].id", "endpoint ids must be unique", e.id)
        seen[e.id] = checker.endpoint(i, e)
    _targets(spec, seen)
    return Plan(design.with_times(checker.times), defs, tuple(seen.values()))
