"""fhir.resources' R4 (4.0.1) models as a second FHIR oracle, beside fhirclient's (decision 0021).

fhir.resources' R4 line (6.x up to 6.4) is written against pydantic 1; pydantic 2, which FastAPI
needs, ships that API as ``pydantic.v1``. A child process that names ``pydantic.v1`` ``pydantic``
before importing fhir.resources parses Bundles with the R4 models, and the tests' own process keeps
pydantic 2. The models refuse elements R4 does not have, missing required elements, wrong
cardinality and resource types R4 does not know.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

_SCRIPT = r"""
import importlib, json, pkgutil, sys
import pydantic.v1 as v1
sys.modules["pydantic"] = v1
for info in pkgutil.iter_modules(v1.__path__):
    if info.name not in ("_hypothesis_plugin", "mypy"):  # plugins for other tools, not the API
        sys.modules["pydantic." + info.name] = importlib.import_module("pydantic.v1." + info.name)
import fhir.resources
from fhir.resources.bundle import Bundle
if fhir.resources.__fhir_version__ != "4.0.1":
    sys.exit("fhir.resources " + fhir.resources.__version__ + " is FHIR " + fhir.resources.__fhir_version__)
problems = []
for i, data in enumerate(json.load(sys.stdin)):
    try:
        bundle = Bundle.parse_obj(data)
    except Exception as err:
        problems.append("bundle %d: %s" % (i, err))
        continue
    for k, entry in enumerate(bundle.entry or []):
        given = data["entry"][k]["resource"].get("resourceType")
        if entry.resource is None or entry.resource.resource_type != given:
            problems.append("bundle %d entry %d: %s not parsed as an R4 resource" % (i, k, given))
print(json.dumps(problems))
"""


def r4_problems(bundles: Sequence[Mapping[str, Any]]) -> list[str]:
    """What fhir.resources' R4 models refuse in each Bundle (empty: every Bundle is valid R4)."""
    run = subprocess.run(
        [sys.executable, "-c", _SCRIPT], input=json.dumps(list(bundles)), capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    problems: list[str] = json.loads(run.stdout)
    return problems
