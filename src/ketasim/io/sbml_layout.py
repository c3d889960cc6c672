"""Which SBML ids a prepared run needs, and each patient's values for them.

Ids cover every patient of the run (the union of their non-zero entries), so
one file serves the whole cohort: only the values differ between patients.
The naming is documented in :mod:`ketasim.io.sbml`.
"""

from __future__ import annotations

import numpy as np

from ketasim.engine.prepared import Prepared
from ketasim.engine.schedule import RateEvent
from ketasim.errors import InputError, ModelError
from ketasim.pd.cascade import CHAIN_STATES

__all__ = ["ITEMS", "POOLS", "Layout", "label"]

POOLS = ("N", "S", "L")
ITEMS = 10
#: Per-patient PD values, as named in :class:`ketasim.pd.individual.IndividualPD`.
PD = ("g", "sigma", "placebo", "ad_max", "phi", "beta_bz", "new_ad")


def _support(rows: np.ndarray) -> list[int]:
    """Columns that are non-zero for any patient of ``rows`` (N, n)."""
    return [int(s) for s in np.nonzero(np.any(np.asarray(rows) != 0, axis=0))[0]]


class Layout:
    """The ids of one prepared run's SBML model and the per-patient values behind them.

    Events are the run's dose times before its horizon (its last output time),
    plus the ends of zero-order inputs started before it.
    """

    def __init__(self, p: Prepared) -> None:
        self.p = p
        self.pk: tuple[str, ...] = p.system.names
        ids = [*self.pk, *CHAIN_STATES, *POOLS]
        if len(set(ids)) != len(ids):
            raise ModelError("sbml", "states", "state names must be unique", ids)
        pattern = np.nonzero(np.any(p.system.A != 0, axis=0))
        self.a_pattern = [(int(r), int(c)) for r, c in zip(*pattern, strict=True)]
        self.rows = {"wq": _support(p.row_q), "ws": _support(p.row_s), "wh": _support(p.row_h)}
        self.plasma = {
            key.split(":", 1)[1]: _support(row)
            for key, row in p.system.outputs.items()
            if key.startswith("plasma:")
        }
        sched, end = p.schedule, p.grid.end
        self.rates: list[RateEvent] = [e for e in sched.rates if e.start < end]
        times = {t for t in (*sched.boluses, *sched.impulses) if t < end}
        times |= {e.start for e in self.rates} | {e.end for e in self.rates}
        # an antidepressant started before the run is on from time 0
        self.ad_time = max(sched.ad_start_s, 0)
        if self.ad_time < end:
            times.add(self.ad_time)
        self.event_times = sorted(times)
        self.bolus_states = {t: _support(sched.boluses[t]) for t in self.event_times if t in sched.boluses}

    def values(self, i: int) -> dict[str, float]:
        """Per-patient parameter values of patient ``i``."""
        p = self.p
        if isinstance(i, bool) or not isinstance(i, int | np.integer) or not 0 <= i < p.N:
            raise InputError("sbml", "patient_index", f"must be an integer within 0-{p.N - 1}", i)
        n = self.pk
        out: dict[str, float] = {}
        for r, c in self.a_pattern:
            out[f"A__{n[r]}__{n[c]}"] = float(p.system.A[i, r, c])
        for prefix, row in (("wq", p.row_q), ("ws", p.row_s), ("wh", p.row_h)):
            for s in self.rows[prefix]:
                out[f"{prefix}__{n[s]}"] = float(row[i, s])
        for analyte, support in self.plasma.items():
            row = p.system.outputs[f"plasma:{analyte}"]
            for s in support:
                out[f"wp_{analyte}__{n[s]}"] = float(row[i, s])
        ind = p.ind
        for name in PD:
            out[name] = float(np.asarray(getattr(ind, name), dtype=float)[i])
        for k in range(ITEMS):
            out[f"base_{k + 1}"] = float(ind.base_items[i, k])
            out[f"floor_{k + 1}"] = float(ind.floor_items[i, k])
        sched = p.schedule
        for j, ev in enumerate(self.rates):
            out[f"rate_{j}"] = float(ev.rate[i])
        placebo = float(ind.placebo[i])
        for k, t in enumerate(self.event_times):
            for s in self.bolus_states.get(t, []):
                out[f"bolus_{k}__{n[s]}"] = float(sched.boluses[t][i, s])
            if t in sched.impulses:
                amp = float(np.asarray(sched.impulses[t], dtype=float)[i])
                # the schedule holds the impulse times the patient's factor; the file keeps them apart
                out[f"expect_{k}"] = amp / placebo if placebo != 0.0 else 0.0
        return out

    def label(self, pid: str) -> str:
        """A short description of a per-patient parameter (its SBML ``name``)."""
        head, _, rest = pid.partition("__")
        if head == "A":
            to, _, frm = rest.partition("__")
            return f"PK matrix entry: rate into {to} per mg in {frm} (1/h)"
        if head in _ROW_LABELS:
            return f"weight of {rest} in {_ROW_LABELS[head]}"
        if pid.startswith("wp_"):
            return f"plasma {head[3:]} (ng/mL) per mg in {rest}"
        if pid.startswith("rate_"):
            e = self.rates[int(pid.split("_")[1])]
            return f"zero-order input into {self.pk[e.state]}, {e.start / 3600:g}-{e.end / 3600:g} h (mg/h)"
        if pid.startswith(("bolus_", "expect_")):
            k = int(head.split("_")[1])
            what = f"bolus into {rest} (mg)" if rest else "expectancy impulse before the patient's factor"
            return f"{what}, event ev_{k} at {self.event_times[k] / 3600:g} h"
        if pid.startswith(("base_", "floor_")):
            kind, _, item = pid.partition("_")
            return f"{'baseline' if kind == 'base' else 'floor'} of MADRS item {item} (points)"
        return label(pid)


_ROW_LABELS = {
    "wq": "the NMDA occupancy sum q (per mg)",
    "ws": "the S-ketamine effect-site concentration (uM per mg)",
    "wh": "the (2R,6R)-HNK effect-site concentration (uM per mg)",
}
_LABELS = {
    "g": "drug responsiveness (covariates and random effect applied)",
    "sigma": "stress-driven loss of spines (factor)",
    "placebo": "placebo (expectancy) responsiveness",
    "ad_max": "largest improvement from a new oral antidepressant",
    "phi": "BDNF secretion (Val66Met) times the mTOR switch",
    "beta_bz": "benzodiazepine attenuation of the drive",
    "new_ad": "oral antidepressant newly started (1) or not (0)",
    "G": "prefrontal glutamate surge",
    "B1": "BDNF release, surge (AMPA) route",
    "B2": "BDNF release, direct (eEF2) route",
    "M1": "mTORC1 pulse, surge route",
    "M2": "mTORC1 pulse, direct route",
    "P1": "synaptic proteins, surge route",
    "P2": "synaptic proteins, direct route",
    "X1": "structural drive, surge route",
    "X2": "structural drive, direct route",
    "W1": "fast functional term (surge route)",
    "EF": "expectancy (fast)",
    "ES": "non-specific improvement (slow)",
    "AD": "new oral antidepressant onset (0-1)",
    "TOL": "tolerance to dissociation",
    "N": "labile spines (share of the deficit)",
    "S": "stabilised spines (share of the deficit)",
    "L": "mature spines (share of the deficit)",
}


def label(pid: str) -> str:
    """Description of a state or individual PD value."""
    return _LABELS[pid]
