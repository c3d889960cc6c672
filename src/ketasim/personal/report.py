"""JSON-ready reports of a fit and its forecast (the CLI and the clinic app print the same thing).

No identifying data goes in: the report counts the record's sessions and
scores and gives dates, never a name, MRN or birth date.
"""

from __future__ import annotations

import math
from typing import Any

from ketasim.personal.forecast import Forecast
from ketasim.personal.observations import LINKED
from ketasim.personal.posterior import Posterior
from ketasim.personal.safety import si_signal

__all__ = ["fit_report"]


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return None if not math.isfinite(x) else round(x, 6)
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


def fit_report(posterior: Posterior, fc: Forecast) -> dict[str, Any]:
    """Parameters, diagnostics, warnings, forecast and the safety signal of one fitted record."""
    problem = posterior.problem
    rec = problem.record
    scales = sorted(set(problem.obs.scale))
    safety = si_signal(rec)
    return _clean(
        {
            "kind": posterior.kind,
            "method": posterior.method,
            "model_calibration": problem.model.calibration,
            "record": {
                "start": rec.start.isoformat(),
                "sessions": sum(len(d.times()) for d in rec.regimen.doses),
                "scores_fitted": problem.obs.m,
                "scales": scales,
                "linked_scales_approximate": [s for s in scales if s in LINKED],
            },
            "clinician_must_assess_first": safety.must_assess,
            "safety": {"message": safety.message, "findings": list(safety.findings)},
            "parameters": posterior.summary(),
            "diagnostics": posterior.diagnostics,
            "warnings": list(posterior.warnings),
            "seconds": posterior.seconds,
            "forecast": fc.as_dict(rec.at),
        }
    )
