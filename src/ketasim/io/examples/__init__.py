"""Example patient records for ``ketasim fit`` and ``ketasim plan``: the same patient as CSV and FHIR.

``patient.csv`` (NONMEM-style) and ``patient.json`` (FHIR R4 Bundle) hold one
virtual patient (:mod:`ketasim.personal.virtual_records`, population seed 7,
patient 28): six IV ketamine infusions (0.5 mg/kg over 40 min) over 12 days,
a MADRS with its item 10 before every session and weekly after, and a weekly
PHQ-9 with its item 9, and the covariates a clinic records (Val66Met, BMI,
adiponectin): both files hold the same record and give the same fit (tested).
:func:`write_examples` rebuilds both files from the current default model.

>>> path("patient.csv").name
'patient.csv'
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ketasim.engine.backend import Backend
from ketasim.errors import InputError
from ketasim.record import PatientRecord

__all__ = ["DIR", "example_record", "path", "write_examples"]

#: The folder holding the example files.
DIR = Path(__file__).parent
_FILES = ("patient.csv", "patient.json")
_SEED, _ID, _DAYS = 7, 28, 25


def path(name: str) -> Path:
    """Path of an example file (``patient.csv`` or ``patient.json``)."""
    if name not in _FILES:
        raise InputError("examples", "name", f"must be one of {', '.join(_FILES)}", name)
    return DIR / name


def example_record() -> PatientRecord:
    """The example patient's record, rebuilt from the default model."""
    from ketasim.engine.core import Engine
    from ketasim.model import default_model
    from ketasim.personal.virtual_records import INDUCTION_DAYS, START, patient_of
    from ketasim.population.virtual import TRD_TRIAL, sample_cohort
    from ketasim.protocols.observe import observe
    from ketasim.record import ScoreObservation
    from ketasim.regimen.dose import iv_infusion
    from ketasim.regimen.regimen import Regimen

    model, ids = default_model(), np.array([_ID])
    cohort = sample_cohort(TRD_TRIAL, model, ids, _SEED)
    regimen = Regimen.of(*(iv_infusion("0.5 mg/kg", over="40 min").at(24.0 * d) for d in INDUCTION_DAYS))
    items = Engine(model, backend=Backend.NUMBA).run(cohort, regimen, 24.0 * np.arange(_DAYS + 1)).items()
    madrs_days = sorted(set(INDUCTION_DAYS) | {14, 21})
    obs: list[ScoreObservation] = []
    for d in range(_DAYS + 1):
        # scores are taken an hour before the session of the day (with the first session on day 0)
        t = max(24.0 * d - 1.0, 0.0)
        if d in madrs_days:
            total = observe(model, items[:, d], "madrs", seed=_SEED, ids=ids, day=d)[0]
            item10 = float(np.clip(np.rint(items[0, d, 9]), 0, 6))
            obs += [ScoreObservation(t, "madrs", float(total)), ScoreObservation(t, "madrs_item10", item10)]
        if d % 7 == 0:
            phq = observe(model, items[:, d], "phq9", seed=_SEED, ids=ids, day=d)[0]
            # item 9 (thoughts of death or self-harm) endorsed when the true MADRS item 10 is 3 or more
            item9 = 1.0 if items[0, d, 9] >= 2.5 else 0.0
            obs += [ScoreObservation(t, "phq9", float(phq)), ScoreObservation(t, "phq9_item9", item9)]
    # the covariates a clinic would record, rounded as it would (the virtual patient's own); the rest
    # are left at their defaults, as a clinic that does not record them would
    from ketasim.population.patients import Patient

    p = patient_of(cohort, 0)
    assert p.bmi is not None and p.adiponectin_ug_ml is not None
    patient = Patient(
        weight_kg=round(p.weight_kg, 1), age_years=float(round(p.age_years)), sex=p.sex, ancestry=p.ancestry,
        val66met=p.val66met, bmi=round(p.bmi, 1), adiponectin_ug_ml=round(p.adiponectin_ug_ml, 1),
    )  # fmt: skip
    return PatientRecord(patient, regimen, tuple(obs), START, identifier="example-1")


def write_examples(folder: Path = DIR) -> list[Path]:
    """Writes ``patient.csv`` and ``patient.json`` of :func:`example_record` into ``folder``."""
    from ketasim.io.fhir import record_to_bundle
    from ketasim.io.nonmem import record_to_rows, write_csv

    rec = example_record()
    csv_path, json_path = folder / "patient.csv", folder / "patient.json"
    write_csv(csv_path, record_to_rows(rec))
    json_path.write_text(json.dumps(record_to_bundle(rec), indent=1) + "\n", encoding="utf-8")
    return [csv_path, json_path]
