"""A PK report for one drug, route and dose: what ``ketasim pk`` prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ketasim.params import ParameterSet
from ketasim.pk.metrics import AnalyteMetrics, pk_metrics
from ketasim.pk.models import DEFAULT_PK, EsketaminePK, PKLibrary, RacemicKetaminePK
from ketasim.population.patients import Patient
from ketasim.regimen.dose import Drug, Route
from ketasim.regimen.regimen import Regimen

__all__ = ["PKReport", "parameter_sets_for", "pk_report"]

#: Parent and metabolite reported for each drug, then the enantiomers for the racemate.
ANALYTES = {
    Drug.RACEMIC_KETAMINE: (
        ("ketamine", "parent"),
        ("norketamine", "metabolite"),
        ("s_ketamine", "enantiomer"),
        ("r_ketamine", "enantiomer"),
        ("s_norketamine", "enantiomer"),
        ("r_norketamine", "enantiomer"),
    ),
    Drug.ESKETAMINE: (("esketamine", "parent"), ("noresketamine", "metabolite")),
}


def parameter_sets_for(pk: PKLibrary, drug: Drug, routes: frozenset[Route]) -> list[ParameterSet]:
    """The parameter sets a simulation of ``drug`` by ``routes`` uses."""
    model = pk.racemic if drug == Drug.RACEMIC_KETAMINE else pk.esketamine
    if isinstance(model, RacemicKetaminePK):
        sets = [model.disposition, model.metabolite, model.effect, model.binding]
        sets += [model.absorption[r] for r in sorted(routes, key=str) if r in model.absorption]
        return sets
    assert isinstance(model, EsketaminePK)
    sets = [model.model, model.effect, model.binding]
    if Route.SUBLINGUAL in routes:
        sets.append(model.sublingual)
    return sets


@dataclass(frozen=True)
class PKReport:
    drug: Drug
    routes: frozenset[Route]
    patient: Patient
    metrics: dict[str, AnalyteMetrics]
    roles: dict[str, str]
    parameter_sets: list[ParameterSet]

    def placeholders(self) -> list[str]:
        """Placeholder values used (``set.parameter``, ``set.parameter.omega`` for variability)."""
        out: list[str] = []
        for ps in self.parameter_sets:
            for p in ps:
                if p.placeholder:
                    out.append(f"{ps.name}.{p.name}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "drug": self.drug.value,
            "routes": sorted(r.value for r in self.routes),
            "patient": {
                "weight_kg": self.patient.weight_kg,
                "age_years": self.patient.age_years,
                "sex": self.patient.sex,
                "ancestry": self.patient.ancestry,
            },
            "analytes": {
                name: {
                    "role": self.roles[name],
                    **{k: v for k, v in m.as_dict().items() if k != "analyte"},
                }
                for name, m in self.metrics.items()
            },
            "parameter_sets": [ps.name for ps in self.parameter_sets],
            "placeholders": self.placeholders(),
        }


def pk_report(regimen: Regimen, patient: Patient, *, pk: PKLibrary = DEFAULT_PK) -> PKReport:
    """Exposure of parent and metabolite (and enantiomers) for a single-drug regimen."""
    drugs = [d for d in regimen.drugs if not d.is_placebo]
    drug = drugs[0] if len(drugs) == 1 else Drug.RACEMIC_KETAMINE
    routes = frozenset(r for d, r in regimen.routes if d == drug)
    names = ANALYTES[drug]
    metrics = pk_metrics(regimen, patient, tuple(a for a, _ in names), pk=pk)
    return PKReport(drug, routes, patient, metrics, dict(names), parameter_sets_for(pk, drug, routes))
