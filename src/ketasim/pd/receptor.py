r"""NMDA receptor block at the effect site, and the disinhibition drive.

Ketamine, its enantiomers and the norketamines compete for the same channel
site, so with unbound effect-site concentrations :math:`c_i` (µM) and
inhibition constants :math:`K_i` the interneuron block is

.. math::

    q = \sum_i \frac{\kappa_i c_i}{s_{int} K_i}, \quad O_{int} = \frac{q}{1+q}, \quad
    O_{pyr} = \frac{q/s_{pyr}}{1 + q/s_{pyr}}, \quad D = O_{int}^{h}\,(1 - O_{pyr})^{n_{pyr}}

with :math:`\kappa_i = 1` for ketamine and the norketamine brain-exposure
factor for the norketamines. The drive :math:`D` (disinhibition of pyramidal
cells) is an inverted U of concentration: it rises with the interneuron block
and collapses once pyramidal receptors are blocked too.
"""

from __future__ import annotations

import numpy as np

from ketasim.model import Model
from ketasim.units import MOLAR_MASS

__all__ = ["MOLECULES", "drive", "potency_weights"]

MOLECULES = ("s_ketamine", "r_ketamine", "s_norketamine", "r_norketamine")
_KI = {
    "s_ketamine": "KI_S_KETAMINE",
    "r_ketamine": "KI_R_KETAMINE",
    "s_norketamine": "KI_S_NORKETAMINE",
    "r_norketamine": "KI_R_NORKETAMINE",
}


def potency_weights(model: Model) -> dict[str, float]:
    """Weight of each molecule's unbound effect-site ng/mL in ``q`` (per ng/mL)."""
    s_int = model.selectivity.value("S_INT")
    kp_nk = model.selectivity.value("KP_NK")
    out = {}
    for m in MOLECULES:
        kappa = kp_nk if "norketamine" in m else 1.0
        out[m] = kappa / (MOLAR_MASS[m] * s_int * model.receptor.value(_KI[m]))
    return out


def drive(q: np.ndarray, s_pyr: float, n_pyr: float, h_int: float) -> tuple[np.ndarray, np.ndarray]:
    """Returns ``(O_int, D)`` for the weighted occupancy sum ``q`` (array)."""
    q = np.maximum(q, 0.0)
    o_int = q / (1.0 + q)
    qp = q / s_pyr
    o_pyr = qp / (1.0 + qp)
    return o_int, o_int**h_int * (1.0 - o_pyr) ** n_pyr
