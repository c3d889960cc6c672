"""The app's FHIR export is valid R4 by both oracles (fhirclient's strict models and fhir.resources'
R4 models), served as application/fhir+json."""

from __future__ import annotations

import copy
import json

import pytest
from fhirclient.models.bundle import Bundle

from tests.conftest import Clinic
from tests.fhir_r4_oracle import r4_problems

from .test_records import filled


def test_the_app_export_is_r4_by_both_oracles(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    pid = filled(c, clinic)
    r = c.get(f"/api/patients/{pid}/export.fhir")
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == "application/fhir+json"
    bundle = r.json()
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {"Patient", "MedicationAdministration", "Observation"}
    Bundle(copy.deepcopy(bundle), strict=True)
    broken = copy.deepcopy(bundle)
    broken["entry"][1]["resource"]["doseMg"] = 56  # not an R4 element
    assert r4_problems([bundle]) == []
    assert any("doseMg" in p for p in r4_problems([broken]))
    with pytest.raises(Exception, match="doseMg"):
        Bundle(json.loads(json.dumps(broken)), strict=True)
