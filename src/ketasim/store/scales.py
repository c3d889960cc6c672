"""Rating scales: item ranges, totals (QIDS-SR16 by domain maxima), bands and suicide-item signals.

Scoring follows the instruments' manuals as summarised in the clinic reference
(MADRS: Montgomery & Åsberg 1979, bands Snaith 1986; PHQ-9: Kroenke 2001;
QIDS-SR16: Rush 2003; C-SSRS screener: Posner 2011). Suicide items are safety
signals, never outcome numbers, and are never derived from another scale.

>>> score("qids_sr16", {i: 1 for i in range(1, 17)}).total
9
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ketasim.store.errors import RuleError

__all__ = ["INSTRUMENTS", "Instrument", "Score", "Signal", "check_item", "score", "si_signals"]


@dataclass(frozen=True)
class Instrument:
    """One instrument: item count, item range and severity bands (upper bound inclusive)."""

    name: str
    label: str
    n_items: int
    item_max: int
    total_max: int
    bands: tuple[tuple[int, str], ...]
    modes: tuple[str, ...]
    item_labels: tuple[str, ...] = field(default=())


INSTRUMENTS: Mapping[str, Instrument] = {
    "madrs": Instrument(
        "madrs",
        "MADRS",
        10,
        6,
        60,
        ((6, "normal"), (19, "mild"), (34, "moderate"), (60, "severe")),
        ("clinician",),
        (
            "apparent sadness",
            "reported sadness",
            "inner tension",
            "reduced sleep",
            "reduced appetite",
            "concentration difficulties",
            "lassitude",
            "inability to feel",
            "pessimistic thoughts",
            "suicidal thoughts",
        ),
    ),
    "phq9": Instrument(
        "phq9",
        "PHQ-9",
        9,
        3,
        27,
        ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately severe"), (27, "severe")),
        ("self", "clinician", "remote"),
        (
            "little interest or pleasure",
            "feeling down, depressed or hopeless",
            "sleep problems",
            "tired, little energy",
            "poor appetite or overeating",
            "feeling bad about yourself",
            "trouble concentrating",
            "moving or speaking slowly, or restless",
            "better off dead or hurting yourself",
        ),
    ),
    "qids_sr16": Instrument(
        "qids_sr16",
        "QIDS-SR16",
        16,
        3,
        27,
        ((5, "none"), (10, "mild"), (15, "moderate"), (20, "severe"), (27, "very severe")),
        ("self", "remote"),
        (
            "falling asleep",
            "sleep during the night",
            "waking up too early",
            "sleeping too much",
            "feeling sad",
            "decreased appetite",
            "increased appetite",
            "decreased weight",
            "increased weight",
            "concentration",
            "view of myself",
            "thoughts of death or suicide",
            "general interest",
            "energy level",
            "feeling slowed down",
            "feeling restless",
        ),
    ),
    "cssrs": Instrument(
        "cssrs",
        "C-SSRS screener",
        7,
        1,
        5,
        ((0, "no ideation"), (3, "moderate risk"), (5, "high risk")),
        ("clinician",),
        (
            "wish to be dead (past month)",
            "non-specific active suicidal thoughts (past month)",
            "thoughts with method, no plan or intent",
            "intent, without specific plan",
            "specific plan and intent",
            "suicidal behaviour (lifetime)",
            "behaviour within the past 3 months",
        ),
    ),
}

#: QIDS-SR16 domains: the score of a domain is the maximum of its items (Rush 2003).
QIDS_DOMAINS = ((1, 2, 3, 4), (5,), (6, 7, 8, 9), (10,), (11,), (12,), (13,), (14,), (15, 16))


@dataclass(frozen=True)
class Score:
    """Computed total (``None`` while incomplete), severity band and validity flags."""

    total: int | None
    band: str | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Signal:
    """A suicidal-ideation signal: the rule that fired, its severity and a message without PHI."""

    rule: str
    severity: str
    message: str


def instrument(name: str) -> Instrument:
    """The instrument called ``name``, or a 422-style error listing the known ones."""
    if name not in INSTRUMENTS:
        raise RuleError("instrument", "scale.instrument", f"must be one of {', '.join(INSTRUMENTS)}", name)
    return INSTRUMENTS[name]


def check_item(name: str, item_no: int, value: int) -> None:
    """Refuses an item number or value outside the instrument's range."""
    ins = instrument(name)
    if not 1 <= item_no <= ins.n_items:
        raise RuleError(
            f"items.{item_no}", "scale.item_number", f"{ins.label} has items 1-{ins.n_items}", item_no
        )
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ins.item_max:
        raise RuleError(
            f"items.{item_no}",
            "scale.item_range",
            f"{ins.label} items are whole numbers 0-{ins.item_max}",
            value,
        )


def _cssrs(items: Mapping[int, int]) -> Score:
    # Q1, Q2 and Q6 are always asked; Q3-5 follow a "yes" to Q2, Q7 a "yes" to Q6.
    if items.get(2) == 0:
        for q in (3, 4, 5):
            if items.get(q, 0) != 0:
                raise RuleError(
                    f"items.{q}", "cssrs.skip_logic", "Q3-Q5 must be blank or no when Q2 is no", items[q]
                )
    if items.get(7, 0) == 1 and items.get(6) != 1:
        raise RuleError("items.7", "cssrs.skip_logic", "'within past 3 months' needs Q6 = yes", items[7])
    needed = [1, 2, 6] + ([3, 4, 5] if items.get(2) == 1 else []) + ([7] if items.get(6) == 1 else [])
    if any(q not in items for q in needed):
        return Score(None, None, ("incomplete",))
    level = max((q for q in range(1, 6) if items.get(q) == 1), default=0)
    high = items.get(4) == 1 or items.get(5) == 1 or items.get(7) == 1
    band = "high risk" if high else ("moderate risk" if level else "no ideation")
    return Score(level, band, ())


def score(name: str, items: Mapping[int, int]) -> Score:
    """Total, band and flags of one administration; no total while an item is missing."""
    ins = instrument(name)
    for k, v in items.items():
        check_item(name, k, v)
    if name == "cssrs":
        return _cssrs(items)
    flags: list[str] = []
    if name == "qids_sr16" and (
        (items.get(6, 0) > 0 and items.get(7, 0) > 0) or (items.get(8, 0) > 0 and items.get(9, 0) > 0)
    ):
        flags.append("qids_both_directions")
    if len(items) < ins.n_items:
        return Score(None, None, (*flags, "incomplete"))
    if name == "qids_sr16":
        total = sum(max(items[i] for i in dom) for dom in QIDS_DOMAINS)
    else:
        total = sum(items.values())
    band = next(label for hi, label in ins.bands if total <= hi)
    return Score(total, band, tuple(flags))


def si_signals(name: str, items: Mapping[int, int], *, madrs_cutoff: int) -> list[Signal]:
    """Suicidal-ideation signals in the items entered so far (they alert, never act)."""
    out: list[Signal] = []
    if name == "phq9" and items.get(9, 0) >= 1:
        out.append(Signal("si.phq9_item9", "high", f"PHQ-9 item 9 = {items[9]} (threshold 1)"))
    if name == "madrs" and items.get(10, 0) >= madrs_cutoff:
        out.append(
            Signal("si.madrs_item10", "high", f"MADRS item 10 = {items[10]} (clinic cut-off {madrs_cutoff})")
        )
    if name == "qids_sr16" and items.get(12, 0) >= 2:
        out.append(Signal("si.qids_item12", "high", f"QIDS-SR16 item 12 = {items[12]} (threshold 2)"))
    if name == "cssrs":
        if items.get(4) == 1 or items.get(5) == 1 or items.get(7) == 1:
            out.append(
                Signal("si.cssrs_severe", "critical", "C-SSRS positive: intent, plan or recent behaviour")
            )
        elif items.get(1) == 1 or items.get(2) == 1:
            out.append(
                Signal("si.cssrs_ideation", "high", "C-SSRS positive: suicidal ideation in the past month")
            )
    return out
