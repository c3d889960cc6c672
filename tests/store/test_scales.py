"""Scoring of the rating scales against hand-computed cases."""

from __future__ import annotations

import pytest

from ketasim.store.errors import RuleError
from ketasim.store.scales import INSTRUMENTS, score, si_signals

FULL = {name: dict.fromkeys(range(1, ins.n_items + 1), 0) for name, ins in INSTRUMENTS.items()}


@pytest.mark.parametrize(
    ("name", "items", "total", "band"),
    [
        ("madrs", dict.fromkeys(range(1, 11), 0), 0, "normal"),
        ("madrs", {**dict.fromkeys(range(1, 11), 2), 1: 0}, 18, "mild"),
        ("madrs", dict.fromkeys(range(1, 11), 2), 20, "moderate"),
        ("madrs", dict.fromkeys(range(1, 11), 6), 60, "severe"),
        ("phq9", dict.fromkeys(range(1, 10), 1), 9, "mild"),
        ("phq9", dict.fromkeys(range(1, 10), 3), 27, "severe"),
        ("phq9", {**dict.fromkeys(range(1, 10), 2), 9: 1}, 17, "moderately severe"),
        # sleep max(3,1,0,2)=3, mood 1, appetite/weight max(0,2,1,0)=2, psychomotor max(1,3)=3, rest 0
        (
            "qids_sr16",
            {**dict.fromkeys(range(1, 17), 0), 1: 3, 2: 1, 4: 2, 5: 1, 7: 2, 8: 1, 15: 1, 16: 3},
            9,
            "mild",
        ),
        ("qids_sr16", dict.fromkeys(range(1, 17), 3), 27, "very severe"),
        ("qids_sr16", dict.fromkeys(range(1, 17), 1), 9, "mild"),
    ],
)
def test_totals_and_bands(name: str, items: dict[int, int], total: int, band: str) -> None:
    s = score(name, items)
    assert (s.total, s.band) == (total, band)


def test_no_total_while_an_item_is_missing() -> None:
    s = score("madrs", {k: 1 for k in range(1, 10)})
    assert s.total is None and "incomplete" in s.flags


@pytest.mark.parametrize(
    ("items", "level", "band"),
    [
        ({1: 0, 2: 0, 6: 0}, 0, "no ideation"),
        ({1: 1, 2: 0, 6: 0}, 1, "moderate risk"),
        ({1: 1, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0}, 3, "moderate risk"),
        ({1: 1, 2: 1, 3: 1, 4: 1, 5: 0, 6: 0}, 4, "high risk"),
        ({1: 0, 2: 0, 6: 1, 7: 1}, 0, "high risk"),
        ({1: 0, 2: 0, 6: 1}, None, None),  # Q7 follows a yes to Q6
    ],
)
def test_cssrs_levels(items: dict[int, int], level: int | None, band: str | None) -> None:
    s = score("cssrs", items)
    assert (s.total, s.band) == (level, band)


def test_si_signals_fire_on_the_suicide_items_only() -> None:
    assert si_signals("phq9", {9: 0, 1: 3}, madrs_cutoff=4) == []
    assert [s.rule for s in si_signals("phq9", {9: 1}, madrs_cutoff=4)] == ["si.phq9_item9"]
    assert si_signals("madrs", {10: 3}, madrs_cutoff=4) == []
    assert [s.rule for s in si_signals("madrs", {10: 3}, madrs_cutoff=3)] == ["si.madrs_item10"]
    assert [s.rule for s in si_signals("qids_sr16", {12: 2}, madrs_cutoff=4)] == ["si.qids_item12"]
    assert [s.severity for s in si_signals("cssrs", {1: 1, 2: 1, 5: 1}, madrs_cutoff=4)] == ["critical"]


def test_items_out_of_range_name_the_item() -> None:
    with pytest.raises(RuleError, match=r"items\.3") as err:
        score("phq9", {3: 4})
    assert err.value.code == "scale.item_range" and err.value.received == 4
