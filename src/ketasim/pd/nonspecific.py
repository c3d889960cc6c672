r"""Non-specific components: expectancy (placebo) and a background oral antidepressant.

Each session of kind :math:`k` adds :math:`p_i E_k` to a fast expectancy state
:math:`E_f` (decay :math:`\tau_{Ef}`), which feeds a slow non-specific state
:math:`E_s` (:math:`\dot E_s = k_{Es}E_f - E_s/\tau_{Es}`). A newly started oral
antidepressant follows :math:`\dot A = (1 - A)/\tau_{AD}` from its start. Their
fractional improvements are :math:`R_p = r_{max}(1 - e^{-(E_f + E_s)})` (bounded: repeated
placebo sessions saturate below the drug's effect) and
:math:`R_{AD} = a_i A`; they combine multiplicatively with the drug's.
"""

from __future__ import annotations

import numpy as np

from ketasim.model import Model
from ketasim.regimen.dose import Drug, Route

__all__ = ["expectancy_impulse", "r_ad", "r_placebo"]


def expectancy_impulse(model: Model, drug: Drug, route: Route) -> float:
    """Expectancy impulse of one session of this kind (before the patient's factor)."""
    ns = model.nonspecific
    if drug == Drug.MIDAZOLAM:
        return ns.value("E_MIDAZOLAM")
    if route == Route.INTRANASAL:
        return ns.value("E_SPRAY")
    return ns.value("E_SALINE")


def r_placebo(ef: np.ndarray, es: np.ndarray, r_max: float) -> np.ndarray:
    """Fractional improvement from expectancy and non-specific effects, at most ``r_max``."""
    return r_max * (1.0 - np.exp(-np.maximum(ef + es, 0.0)))


def r_ad(ad_state: np.ndarray, ad_max: np.ndarray) -> np.ndarray:
    """Fractional improvement from a newly started oral antidepressant."""
    return np.clip(ad_state, 0.0, 1.0) * ad_max
