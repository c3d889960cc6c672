"""A compiled trial design is one frozen value: the plan, the runner and the result read the same one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ketasim.model import default_model
from ketasim.trials import compile_plan, example_path, load_spec
from ketasim.trials.design import compile_phases

SPEC = load_spec(example_path("esketamine-withdrawal"))


def test_a_design_refuses_assignment_and_its_times_are_read_only():
    design = compile_plan(SPEC).design
    with pytest.raises(dataclasses.FrozenInstanceError):
        design.times_h = np.zeros(0)  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        design.visits_h[0] = -1.0
    with pytest.raises(ValueError, match="read-only"):
        design.times_h[0] = -1.0


def test_the_phase_design_grid_is_its_visits_and_the_plans_grid_holds_them():
    phases = compile_phases(SPEC, default_model())
    assert np.array_equal(phases.times_h, phases.visits_h)
    plan = compile_plan(SPEC)
    grid = plan.design.times_h
    assert np.all(np.diff(grid) > 0)
    assert np.array_equal(plan.design.visits_h, phases.visits_h)
    assert np.isin(phases.visits_h, grid).all()


def test_with_times_sorts_and_snaps_to_the_engine_lattice():
    design = compile_phases(SPEC, default_model())
    wider = design.with_times([48.0, 0.0, 24.0, 24.0 + 1e-6])
    assert wider.times_h.tolist() == [0.0, 24.0, 48.0]
    assert np.array_equal(wider.visits_h, design.visits_h)
    assert design.times_h.size == design.visits_h.size  # the copy is new; the original is unchanged
