"""fhir.resources' R4 models (a second R4 oracle beside fhirclient's) accept every Bundle ketasim
writes or ships, and refuse one R4 does not allow."""

import copy
import json

from ketasim.io.examples import path
from ketasim.io.fhir import record_to_bundle
from ketasim.io.patient_data import load_record
from tests.fhir_r4_oracle import r4_problems
from tests.io.test_fhir_r4 import EVERYTHING


def test_written_and_shipped_bundles_are_r4_and_a_broken_one_is_not():
    shipped = json.loads(path("patient.json").read_text(encoding="utf-8"))
    written = [record_to_bundle(EVERYTHING), record_to_bundle(load_record(path("patient.csv")))]
    broken = copy.deepcopy(written[0])
    broken["entry"][0]["resource"]["weightKg"] = 64  # not an element of R4's Patient
    del broken["entry"][-1]["resource"]["status"]  # required (1..1) in R4
    problems = r4_problems([shipped, *written, broken])
    assert [p for p in problems if not p.startswith("bundle 3")] == []
    assert any("weightKg" in p for p in problems) and any("status" in p for p in problems), problems
