"""The full model as one object: the PK library, every PD parameter set, and the switches.

``Model`` is immutable; ``with_values({"Set.PARAM": value})`` returns a changed
copy (that is how calibration and sensitivity analyses vary it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Literal

from ketasim.errors import InputError
from ketasim.library import (
    Andrashko_2020_ketamine_benzodiazepine,
    Autry_2011_ketamine_bdnf,
    Carmody_2006_scale_linking,
    Chen_2006_bdnf_val66met,
    Ebert_1997_ketamine_nmda,
    Ketasim_2026_cascade,
    Ketasim_2026_nonspecific,
    Ketasim_2026_symptoms,
    Kotermanski_2009_nmda_block,
    Li_2010_ketamine_mtor,
    MachadoVieira_2017_ketamine_adiponectin,
    Malewska_2016_ketamine_b12,
    Milak_2016_ketamine_glutamate,
    ModaSava_2019_ketamine_spines,
    Niciu_2014_ketamine_predictors,
    Spravato_2019_esketamine,
)
from ketasim.params import ParameterSet
from ketasim.pk.models import PKLibrary

__all__ = ["DEFAULT_MODEL", "Model", "Switches"]


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
    receptor: ParameterSet = Ebert_1997_ketamine_nmda.PARAMETERS
    selectivity: ParameterSet = Kotermanski_2009_nmda_block.PARAMETERS
    glutamate: ParameterSet = Milak_2016_ketamine_glutamate.PARAMETERS
    bdnf: ParameterSet = Autry_2011_ketamine_bdnf.PARAMETERS
    mtor: ParameterSet = Li_2010_ketamine_mtor.PARAMETERS
    spine_timing: ParameterSet = ModaSava_2019_ketamine_spines.PARAMETERS
    cascade: ParameterSet = Ketasim_2026_cascade.PARAMETERS
    val66met: ParameterSet = Chen_2006_bdnf_val66met.PARAMETERS
    symptoms: ParameterSet = Ketasim_2026_symptoms.PARAMETERS
    nonspecific: ParameterSet = Ketasim_2026_nonspecific.PARAMETERS
    predictors: ParameterSet = Niciu_2014_ketamine_predictors.PARAMETERS
    adiponectin: ParameterSet = MachadoVieira_2017_ketamine_adiponectin.PARAMETERS
    b12: ParameterSet = Malewska_2016_ketamine_b12.PARAMETERS
    benzodiazepine: ParameterSet = Andrashko_2020_ketamine_benzodiazepine.PARAMETERS
    acute: ParameterSet = Spravato_2019_esketamine.PARAMETERS
    linking: ParameterSet = Carmody_2006_scale_linking.PARAMETERS
    switches: Switches = field(default_factory=Switches)

    def pd_sets(self) -> dict[str, ParameterSet]:
        """Role -> parameter set, for every PD set."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("pk", "switches")}

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
        set_name, _, name = qualified.partition(".")
        for ps in self.pd_sets().values():
            if ps.name == set_name:
                return ps.value(name)
        raise InputError("model", "parameter", "unknown qualified name (Set.PARAM)", qualified)

    def with_values(self, values: Mapping[str, float]) -> Model:
        """Returns a copy with PD parameter values changed (``{"Set.PARAM": value}``)."""
        by_set: dict[str, dict[str, float]] = {}
        for qualified, v in values.items():
            set_name, dot, name = qualified.partition(".")
            if not dot:
                raise InputError("model", "parameter", "use a qualified name Set.PARAM", qualified)
            by_set.setdefault(set_name, {})[name] = float(v)
        changes: dict[str, ParameterSet] = {}
        for role, ps in self.pd_sets().items():
            if ps.name in by_set:
                changes[role] = ps.replace(**by_set.pop(ps.name))
        if by_set:
            raise InputError("model", "parameter", "unknown parameter set", sorted(by_set)[0])
        return replace(self, **changes)  # type: ignore[arg-type]

    def with_switches(self, **changes: object) -> Model:
        """Returns a copy with some switches changed."""
        return replace(self, switches=replace(self.switches, **changes))  # type: ignore[arg-type]


DEFAULT_MODEL = Model()
