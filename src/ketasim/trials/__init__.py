"""In-silico trials: YAML specs, validated, run on the population engine with replicate trials.

>>> from ketasim.trials import example_path, load_spec, run_trial
>>> spec = load_spec(example_path("ketamine-vs-saline-midazolam"))
>>> spec.id
'example-single-infusion'

See docs/trials.md for the format, the measures and the conventions.
"""

from pathlib import Path

from ketasim.files import load
from ketasim.trials.checks import Plan, compile_plan
from ketasim.trials.result import EndpointResult, RowResult, TargetCheck, Trajectory, TrialResult
from ketasim.trials.runner import run_trial
from ketasim.trials.spec import TrialSpec, load_spec, parse_spec

__all__ = [
    "EXAMPLES",
    "EndpointResult",
    "Plan",
    "RowResult",
    "TargetCheck",
    "Trajectory",
    "TrialResult",
    "TrialSpec",
    "check_spec",
    "compile_plan",
    "example_path",
    "load_spec",
    "parse_spec",
    "run_trial",
]

EXAMPLES = Path(__file__).parent / "examples"


def example_path(name: str) -> Path:
    """Path of a shipped example spec (name without .yaml)."""
    return EXAMPLES / f"{name}.yaml"


def check_spec(path: str | Path) -> Plan:
    """Loads and fully checks a spec file without simulating; returns the resolved plan.

    Errors name the field, the file and the line, those of the cross-reference checks too.
    """
    return load(path, "trial", lambda data: compile_plan(parse_spec(data)))
