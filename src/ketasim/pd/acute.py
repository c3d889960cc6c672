r"""Acute effects: dissociation (CADSS) and the systolic blood-pressure rise.

.. math::

    CADSS = \frac{CADSS_{max}\,c_S^h}{C_{50}^h + c_S^h}\cdot\frac{1}{1 + T}, \qquad
    \dot T = k_{tol}\,c_S - T/\tau_{tol}, \qquad
    \Delta SBP = \frac{BP_{max}\,c_K}{BP_{50} + c_K}

with :math:`c_S` the S-ketamine and :math:`c_K` the total ketamine effect-site
concentration (µM). R-ketamine does not add to the psychedelic effect
(Olofsen 2022); tolerance builds over repeated sessions.
"""

from __future__ import annotations

import numpy as np

from ketasim.model import Model

__all__ = ["blood_pressure_rise", "cadss"]


def cadss(model: Model, c_s_um: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
    """CADSS total increase above baseline (points)."""
    a = model.acute
    h = a.value("CADSS_HILL")
    c = np.maximum(c_s_um, 0.0) ** h
    return a.value("CADSS_MAX") * c / (a.value("CADSS_C50") ** h + c) / (1.0 + np.maximum(tolerance, 0.0))


def blood_pressure_rise(model: Model, c_ketamine_um: np.ndarray) -> np.ndarray:
    """Systolic blood-pressure rise above baseline (mmHg)."""
    a = model.acute
    c = np.maximum(c_ketamine_um, 0.0)
    return a.value("BP_MAX") * c / (a.value("BP_C50") + c)
