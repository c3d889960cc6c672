"""The full model as one object: the PK library, every PD parameter set, and the switches.

``Model`` is immutable; ``with_values({"Set.PARAM": value})`` returns a changed
copy (that is how calibration and sensitivity analyses vary it). Each role names
its parameter set in the library registry once. :func:`default_model` is the
calibrated model every command uses, :data:`PRIOR_MODEL` the library priors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import Literal

from ketasim.errors import InputError
from ketasim.library import parameter_set
from ketasim.library.calibrated import CalibratedSet, load_current
from ketasim.params import Evidence, ParameterSet, Source
from ketasim.pk.models import PKLibrary

__all__ = ["PRIOR_MODEL", "Model", "Switches", "default_model"]


@dataclass(frozen=True, kw_only=True)
class Switches:
    """Mechanism switches (see docs/model.md, "Switches").

    ``hnk``: the (2R,6R)-hydroxynorketamine branch into BDNF (off: human plasma
    data do not support a contribution); ``hnk_weight``: its weight when on
    (per µM, a placeholder for sensitivity analyses). ``mtor_inhibitor``:
    ``"block"`` removes the mTORC1 pulse (rodent rapamycin result, Li 2010); the
    human trial (Abdallah 2020) found no block at 24 h, so the default is
    ``"none"``. ``ampa_blockade``: NBQX-like removal of the surge route to
    BDNF. ``benzodiazepine``: attenuation of the drive by the patient's dose.
    ``b12_effect``: ``published`` (higher B12 better), ``none`` or ``brief``
    (lower better).
    """

    hnk: bool = False
    hnk_weight: float = 0.3
    mtor_inhibitor: Literal["none", "block"] = "none"
    ampa_blockade: bool = False
    benzodiazepine: bool = True
    b12_effect: Literal["published", "none", "brief"] = "published"

    def __post_init__(self) -> None:
        if self.mtor_inhibitor not in ("none", "block"):
            raise InputError("switches", "mtor_inhibitor", "must be 'none' or 'block'", self.mtor_inhibitor)
        if self.b12_effect not in ("published", "none", "brief"):
            raise InputError("switches", "b12_effect", "must be published, none or brief", self.b12_effect)
        if not 0.0 <= self.hnk_weight <= 10.0:
            raise InputError("switches", "hnk_weight", "must lie within 0-10 per µM", self.hnk_weight)


@dataclass(frozen=True)
class Model:
    """Every parameter set of the chain from dose to MADRS, and the switches."""

    pk: PKLibrary = field(default_factory=PKLibrary)
    receptor: ParameterSet = parameter_set("Ebert_1997_ketamine_nmda")
    selectivity: ParameterSet = parameter_set("Kotermanski_2009_nmda_block")
    glutamate: ParameterSet = parameter_set("Milak_2016_ketamine_glutamate")
    bdnf: ParameterSet = parameter_set("Autry_2011_ketamine_bdnf")
    mtor: ParameterSet = parameter_set("Li_2010_ketamine_mtor")
    spine_timing: ParameterSet = parameter_set("ModaSava_2019_ketamine_spines")
    cascade: ParameterSet = parameter_set("Ketasim_2026_cascade")
    val66met: ParameterSet = parameter_set("Chen_2006_bdnf_val66met")
    symptoms: ParameterSet = parameter_set("Ketasim_2026_symptoms")
    nonspecific: ParameterSet = parameter_set("Ketasim_2026_nonspecific")
    predictors: ParameterSet = parameter_set("Niciu_2014_ketamine_predictors")
    adiponectin: ParameterSet = parameter_set("MachadoVieira_2017_ketamine_adiponectin")
    b12: ParameterSet = parameter_set("Malewska_2016_ketamine_b12")
    benzodiazepine: ParameterSet = parameter_set("Andrashko_2020_ketamine_benzodiazepine")
    acute: ParameterSet = parameter_set("Spravato_2019_esketamine")
    linking: ParameterSet = parameter_set("Carmody_2006_scale_linking")
    switches: Switches = field(default_factory=Switches)
    #: the calibrated set applied (``None``: the library priors)
    calibration: str | None = None

    def pd_sets(self) -> dict[str, ParameterSet]:
        """Role -> parameter set, for every PD set."""
        skip = ("pk", "switches", "calibration")
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}

    def parameter_sets(self) -> list[ParameterSet]:
        sets: list[ParameterSet] = []
        for m in self.pk.models():
            sets.extend(m.parameter_sets())
        sets.extend(self.pd_sets().values())
        unique: dict[str, ParameterSet] = {}
        for ps in sets:
            unique.setdefault(ps.name, ps)
        return list(unique.values())

    def estimated(self) -> list[str]:
        """Qualified names (``Set.PARAM``) of the PD parameters calibration may estimate."""
        return [f"{ps.name}.{p.name}" for ps in self.pd_sets().values() for p in ps if p.estimated]

    def value(self, qualified: str) -> float:
        """The value of ``Set.PARAM``, or its between-subject SD for ``Set.PARAM.omega``."""
        set_name, name, omega = _split(qualified)
        for ps in self.pd_sets().values():
            if ps.name == set_name:
                if not omega:
                    return ps.value(name)
                var = ps[name].variability
                if var is None:
                    raise InputError("model", "parameter", "has no between-subject variability", qualified)
                return var.omega
        raise InputError("model", "parameter", "unknown qualified name (Set.PARAM)", qualified)

    def with_values(self, values: Mapping[str, float]) -> Model:
        """Returns a copy with PD values changed: ``{"Set.PARAM": value, "Set.PARAM.omega": sd}``."""
        by_set: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
        for qualified, v in values.items():
            set_name, name, omega = _split(qualified)
            by_set.setdefault(set_name, ({}, {}))[1 if omega else 0][name] = float(v)
        changes: dict[str, ParameterSet] = {}
        for role, ps in self.pd_sets().items():
            if ps.name in by_set:
                vals, omegas = by_set.pop(ps.name)
                changes[role] = ps.replace(**vals).replace_omegas(**omegas)
        if by_set:
            raise InputError("model", "parameter", "unknown parameter set", sorted(by_set)[0])
        return replace(self, **changes)  # type: ignore[arg-type]

    def with_calibration(self, cal: CalibratedSet) -> Model:
        """Returns a copy with a calibrated set's values and omegas, each citing the set."""
        source = Source(
            citation=f"ketasim calibration {cal.version}",
            locator="docs/calibration.md",
            evidence=Evidence.CALIBRATED,
            note=cal.command,
        )
        by_set: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
        for qualified, v in cal.values().items():
            set_name, name, _ = _split(qualified)
            by_set.setdefault(set_name, ({}, {}))[0][name] = v
        for qualified, v in cal.omegas().items():
            set_name, name, _ = _split(qualified)
            by_set.setdefault(set_name, ({}, {}))[1][name] = v
        changes: dict[str, ParameterSet] = {}
        for role, ps in self.pd_sets().items():
            if ps.name in by_set:
                vals, omegas = by_set.pop(ps.name)
                changes[role] = ps.calibrated(vals, omegas, source)
        if by_set:
            raise InputError("calibrated", "estimates", "name an unknown parameter set", sorted(by_set)[0])
        return replace(self, calibration=cal.version, **changes)  # type: ignore[arg-type]

    def with_switches(self, **changes: object) -> Model:
        """Returns a copy with some switches changed."""
        return replace(self, switches=replace(self.switches, **changes))  # type: ignore[arg-type]


def _split(qualified: str) -> tuple[str, str, bool]:
    """``Set.PARAM`` or ``Set.PARAM.omega`` -> (set, parameter, is_omega)."""
    parts = qualified.split(".")
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1], False
    if len(parts) == 3 and all(parts) and parts[2] == "omega":
        return parts[0], parts[1], True
    raise InputError("model", "parameter", "use a qualified name Set.PARAM or Set.PARAM.omega", qualified)


#: the library priors, before calibration
PRIOR_MODEL = Model()


@cache
def default_model() -> Model:
    """The model every command uses: the priors with the current calibrated set applied.

    The set is read on the first call (never at import) and the model kept: every
    later call returns the same object.
    """
    current = load_current()
    return PRIOR_MODEL if current is None else PRIOR_MODEL.with_calibration(current)
