"""What each item value means, shown beside the item as it is rated.

MADRS: the defined steps 0, 2, 4 and 6 of each item, shortened from Montgomery & Åsberg
(1979); 1, 3 and 5 lie between them. PHQ-9: the response options of Kroenke et al. (2001),
the same for every item. QIDS-SR16 items each have four statements of their own (Rush 2003),
printed on the form; the page names the ends of the range. C-SSRS screener: no or yes.

>>> anchor("madrs", 10, 4)
'probably better off dead; suicidal thoughts common, no specific plan'
>>> anchor("madrs", 10, 3)
'between 2 and 4'
>>> anchor("phq9", 9, 2)
'more than half the days'
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MADRS_STEPS", "anchor"]

#: MADRS items 1-10: the statements at 0, 2, 4 and 6.
MADRS_STEPS: Mapping[int, tuple[str, str, str, str]] = {
    1: ("no sadness", "looks dispirited but brightens without difficulty",
        "appears sad and unhappy most of the time", "looks miserable all the time, extremely despondent"),
    2: ("occasional sadness in keeping with circumstances", "sad or low but brightens without difficulty",
        "pervasive sadness, still influenced by circumstances",
        "continuous, unvarying sadness or despondency"),
    3: ("placid, only fleeting inner tension", "occasional edginess and ill-defined discomfort",
        "continuous inner tension or intermittent panic, mastered with difficulty",
        "unrelenting dread or anguish, overwhelming panic"),
    4: ("sleeps as usual", "slight difficulty dropping off, or slightly reduced, light sleep",
        "sleep reduced or broken by at least 2 hours", "less than 2 or 3 hours of sleep"),
    5: ("normal or increased appetite", "slightly reduced appetite", "no appetite, food is tasteless",
        "needs persuasion to eat at all"),
    6: ("no difficulty concentrating", "occasional difficulty collecting one's thoughts",
        "difficulty concentrating that reduces reading or conversation",
        "unable to read or converse without great difficulty"),
    7: ("hardly any difficulty getting started", "difficulty starting activities",
        "difficulty starting simple routine activities, done with effort",
        "complete lassitude, unable to do anything without help"),
    8: ("normal interest in surroundings and people", "reduced ability to enjoy usual interests",
        "loss of interest in surroundings and of feelings for friends",
        "emotionally paralysed, no feeling even for close relatives"),
    9: ("no pessimistic thoughts", "fluctuating ideas of failure or self-reproach",
        "persistent self-accusation or ideas of guilt; pessimistic about the future",
        "delusions of ruin, remorse or unredeemable sin"),
    10: ("enjoys life or takes it as it comes", "weary of life; only fleeting suicidal thoughts",
         "probably better off dead; suicidal thoughts common, no specific plan",
         "explicit plans for suicide, or active preparation"),
}  # fmt: skip
PHQ9_OPTIONS = ("not at all", "several days", "more than half the days", "nearly every day")
QIDS_ENDS = ("the item's first statement (least severe)", "", "", "the item's last statement (most severe)")


def anchor(instrument: str, item_no: int, value: int) -> str:
    """The meaning of ``value`` on item ``item_no`` (empty where the form's own text is needed)."""
    if instrument == "madrs":
        steps = MADRS_STEPS[item_no]
        return steps[value // 2] if value % 2 == 0 else f"between {value - 1} and {value + 1}"
    if instrument == "phq9":
        return PHQ9_OPTIONS[value]
    if instrument == "qids_sr16":
        return QIDS_ENDS[value]
    if instrument == "cssrs":
        return "yes" if value else "no"
    return ""
