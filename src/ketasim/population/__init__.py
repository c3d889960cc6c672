"""Patients and virtual populations: covariates, cohorts, seeded sampling, per-patient outcomes."""
