"""Plain-language account of what drives each phase of one patient's simulated course."""

from __future__ import annotations

import numpy as np

from ketasim.pd.nonspecific import r_ad, r_placebo
from ketasim.solution import Solution

__all__ = ["explain"]


def _at(sol: Solution, t_h: float) -> int:
    return int(np.argmin(np.abs(sol.times_h - t_h)))


def _peak(sol: Solution, values: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    mask = (sol.times_h >= lo) & (sol.times_h <= hi)
    if not mask.any():
        return 0.0, lo
    i = np.flatnonzero(mask)[int(np.argmax(values[mask]))]
    return float(values[i]), float(sol.times_h[i])


def _drivers(sol: Solution, i: int, g: float, ad_max: float, a_w: float, r_p_max: float) -> str:
    lat = sol.latent
    fast = g * a_w * float(lat["F"][i])
    syn = g * float(lat["syn"][i])
    pbo = float(r_placebo(lat["EF"][i], lat["ES"][i], r_p_max))
    ad = float(r_ad(lat["AD"][i], np.asarray(ad_max)))
    parts = [("fast functional term", fast), ("restored synapses", syn), ("expectancy/non-specific", pbo),
             ("oral antidepressant", ad)]  # fmt: skip
    parts = [(name, v) for name, v in parts if v > 0.02]
    if not parts:
        return "no active component (the score is at its baseline)"
    parts.sort(key=lambda p: -p[1])
    return ", ".join(f"{name} {100 * v:.0f} %" for name, v in parts)


def explain(sol: Solution, *, g: float, ad_max: float, a_w: float, r_p_max: float) -> list[str]:
    """Sentences describing the course: receptor, surge, signalling, synapses, symptoms.

    ``g``, ``ad_max``, ``a_w`` and ``r_p_max`` are the patient's responsiveness, antidepressant
    effect, fast-term share and largest non-specific improvement
    (from :func:`ketasim.pd.individual.individual_pd`).
    """
    if sol.madrs is None or sol.occupancy is None:
        return ["Only the pharmacokinetics were simulated (no cascade to explain)."]
    lat = sol.latent
    sessions = sorted({e.time_h for e in sol.doses if e.device <= 1})
    lines: list[str] = []
    if not sessions:
        lines.append("No session: the course is the untreated baseline.")
    else:
        t0 = sessions[0]
        occ, t_occ = _peak(sol, sol.occupancy, t0, t0 + 6)
        g_pk, t_g = _peak(sol, lat["G"], t0, t0 + 6)
        m_pk, t_m = _peak(sol, lat["M"], t0, t0 + 12)
        lines.append(
            f"First {t_occ - t0:.1f} h: the drug blocks up to {100 * occ:.0f} % of interneuron NMDA "
            f"receptors; pyramidal cells are disinhibited and prefrontal glutamate surges "
            f"(+{100 * g_pk:.0f} % at {t_g - t0:.1f} h)."
        )
        lines.append(
            f"Hours 1-3: the surge releases BDNF through AMPA receptors and mTORC1 activity peaks "
            f"({m_pk:.2f} at {t_m - t0:.1f} h); the fast, spine-independent response builds up "
            f"(MADRS {sol.madrs[_at(sol, t0)]:.0f} -> {sol.madrs[_at(sol, t0 + 4)]:.0f} at 4 h)."
        )
        n_pk, t_n = _peak(sol, lat["N"], t0, t0 + 7 * 24)
        lines.append(
            f"Day 1-2: synaptic proteins accumulate and new (labile) spines form, peaking at "
            f"{100 * n_pk:.0f} % of the stress-induced synaptic deficit on day {t_n / 24:.1f}."
        )
        last = sessions[-1]
        i_last = _at(sol, last + 24)
        if len(sessions) > 1:
            lines.append(
                f"Repeated sessions ({len(sessions)} in all): each mTORC1 pulse captures labile spines "
                f"formed after the previous session, so the stabilised and mature pools grow (a day "
                f"after the last session: stabilised {100 * float(lat['S'][i_last]):.0f} %, "
                f"mature {100 * float(lat['L'][i_last]):.0f} % of the deficit)."
            )
        drivers = _drivers(sol, i_last, g, ad_max, a_w, r_p_max)
        lines.append(f"A day after the last session, the improvement comes from: {drivers}.")
    i_min = int(np.argmin(sol.madrs))
    end_drivers = _drivers(sol, len(sol.times_h) - 1, g, ad_max, a_w, r_p_max)
    lines.append(
        f"Lowest MADRS {sol.madrs[i_min]:.1f} on day {sol.times_h[i_min] / 24:.1f} (baseline "
        f"{sol.madrs[0]:.1f}); at the end (day {sol.times_h[-1] / 24:.0f}) MADRS {sol.madrs[-1]:.1f}, "
        f"driven by: {end_drivers}."
    )
    if sessions and sol.madrs[-1] > 0.5 * sol.madrs[0] and sol.madrs[i_min] <= 0.5 * sol.madrs[0]:
        lines.append(
            "The response was lost: labile spines decay within days and stabilised ones over weeks, "
            "faster under stress; without a booster before that, a new induction is needed."
        )
    return lines
