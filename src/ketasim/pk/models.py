"""The pharmacokinetic models as objects: structure + parameter sets, and the default library.

A model object holds its parameter sets; ``build`` returns the patient's
:class:`~ketasim.pk.linear.LinearSystem`. Swap a parameter set with
``dataclasses.replace(model, disposition=...)``, never by string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ketasim.errors import InputError
from ketasim.library import parameter_set
from ketasim.params import ParameterSet
from ketasim.pk.esketamine import build_esketamine
from ketasim.pk.linear import LinearSystem, combine
from ketasim.pk.racemic import build_racemic
from ketasim.population.patients import Cohort, Patient
from ketasim.regimen.dose import Drug, Route
from ketasim.regimen.regimen import Regimen

__all__ = ["DEFAULT_PK", "EsketaminePK", "PKLibrary", "RacemicKetaminePK"]


def _racemic_routes() -> dict[Route, ParameterSet]:
    return {
        Route.ORAL: parameter_set("Chong_2006_ketamine_oral"),
        Route.SUBLINGUAL: parameter_set("Rolan_2014_ketamine_sublingual"),
        Route.IM: parameter_set("Clements_1982_ketamine_intramuscular"),
        Route.SC: parameter_set("LeNedelec_2018_ketamine_subcutaneous"),
        Route.INTRANASAL: parameter_set("Yanagihara_2003_ketamine_intranasal"),
    }


@dataclass(frozen=True)
class RacemicKetaminePK:
    """Racemic ketamine: Kamp 2020 disposition, Otto 2021 norketamine, route-specific absorption."""

    disposition: ParameterSet = parameter_set("Kamp_2020_ketamine")
    metabolite: ParameterSet = parameter_set("Otto_2021_norketamine")
    effect: ParameterSet = parameter_set("Olofsen_2022_ketamine")
    binding: ParameterSet = parameter_set("Dayton_1983_ketamine")
    absorption: Mapping[Route, ParameterSet] = field(default_factory=_racemic_routes)
    hnk: ParameterSet = parameter_set("Simons_2022_hydroxynorketamine")
    drug: Drug = Drug.RACEMIC_KETAMINE

    @property
    def routes(self) -> frozenset[Route]:
        return frozenset({Route.IV, *self.absorption})

    def parameter_sets(self) -> list[ParameterSet]:
        return [
            self.disposition,
            self.metabolite,
            self.effect,
            self.binding,
            self.hnk,
            *self.absorption.values(),
        ]

    def build(self, cohort: Cohort, routes: frozenset[Route], *, hnk: bool = False) -> LinearSystem:
        return build_racemic(
            cohort,
            routes,
            disposition=self.disposition,
            metabolite=self.metabolite,
            effect=self.effect,
            binding=self.binding,
            absorption=self.absorption,
            hnk=self.hnk if hnk else None,
        )


@dataclass(frozen=True)
class EsketaminePK:
    """Esketamine: Perez-Ruixo 2021 (IV, nasal, oral); Simons 2022 mucosal input (sublingual)."""

    model: ParameterSet = parameter_set("PerezRuixo_2021_esketamine")
    effect: ParameterSet = parameter_set("Olofsen_2022_ketamine")
    binding: ParameterSet = parameter_set("Dayton_1983_ketamine")
    sublingual: ParameterSet = parameter_set("Simons_2022_esketamine_sublingual")
    drug: Drug = Drug.ESKETAMINE

    @property
    def routes(self) -> frozenset[Route]:
        return frozenset({Route.IV, Route.INTRANASAL, Route.ORAL, Route.SUBLINGUAL})

    def parameter_sets(self) -> list[ParameterSet]:
        return [self.model, self.effect, self.binding, self.sublingual]

    def build(self, cohort: Cohort, routes: frozenset[Route], *, hnk: bool = False) -> LinearSystem:
        return build_esketamine(
            cohort,
            routes,
            model=self.model,
            effect=self.effect,
            binding=self.binding,
            sublingual=self.sublingual,
        )


@dataclass(frozen=True)
class PKLibrary:
    """The PK models ketasim uses, one per active drug."""

    racemic: RacemicKetaminePK = field(default_factory=RacemicKetaminePK)
    esketamine: EsketaminePK = field(default_factory=EsketaminePK)

    def models(self) -> tuple[RacemicKetaminePK | EsketaminePK, ...]:
        return (self.racemic, self.esketamine)

    def supported(self) -> dict[Drug, frozenset[Route]]:
        """Drug -> routes with a model."""
        return {m.drug: m.routes for m in self.models()}

    def check(self, drug: Drug, route: Route) -> None:
        """Raises :class:`InputError` for a drug/route pair without a model."""
        if drug.is_placebo:
            return
        routes = self.supported().get(drug, frozenset())
        if route not in routes:
            known = ", ".join(sorted(r.value for r in routes))
            raise InputError(
                "pk",
                "route",
                f"no {drug.value} model for this route (known: {known})",
                f"{drug.value}/{route.value}",
            )

    def routes_of(self, regimen: Regimen) -> dict[Drug, frozenset[Route]]:
        """Active drug -> routes used by ``regimen`` (checked against the models)."""
        needed: dict[Drug, set[Route]] = {}
        for drug, route in regimen.routes:
            self.check(drug, route)
            if not drug.is_placebo:
                needed.setdefault(drug, set()).add(route)
        return {d: frozenset(r) for d, r in needed.items()}

    def build_cohort(
        self,
        needed: Mapping[Drug, frozenset[Route]],
        cohort: Cohort,
        *,
        hnk: bool = False,
    ) -> LinearSystem:
        """Every patient's linear system with blocks for the drugs (and routes) in ``needed``.

        Without any active drug, an empty racemic block is built so outputs exist (as zeros).
        """
        needed = dict(needed) or {Drug.RACEMIC_KETAMINE: frozenset()}
        if hnk:
            needed.setdefault(Drug.RACEMIC_KETAMINE, frozenset())
        blocks = [m.build(cohort, needed[m.drug], hnk=hnk) for m in self.models() if m.drug in needed]
        return combine(blocks)

    def build(
        self,
        regimen: Regimen,
        patient: Patient,
        etas: Mapping[str, float] | None = None,
    ) -> LinearSystem:
        """One patient's linear system (N = 1) for the drugs and routes of ``regimen``."""
        cohort = Cohort.of([patient], {k: [v] for k, v in (etas or {}).items()})
        return self.build_cohort(self.routes_of(regimen), cohort)


DEFAULT_PK = PKLibrary()
