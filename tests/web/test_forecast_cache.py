"""The chart's forecast is computed once per version of the record and kept; its band stays on the
MADRS when a PHQ-9 comes later, unless the clinician picks another scale."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketasim.store.errors import RuleError
from ketasim.store.scales import INSTRUMENTS
from ketasim.web.forecast_cache import ForecastCache
from ketasim.web.pages import clinic as clinic_pages
from tests.conftest import Clinic

from .helpers import T0, iso
from .test_forecast import _chart, _madrs, _patient_with_sessions


class Counting:
    """Wraps the bridge's forecast and counts its calls."""

    def __init__(self) -> None:
        self.calls: list[str | None] = []
        self.inner = clinic_pages.patient_forecast

    def __call__(self, record: Any, **kw: Any) -> Any:
        self.calls.append(kw.get("scale"))
        return self.inner(record, **kw)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Counting:
    spy = Counting()
    monkeypatch.setattr(clinic_pages, "patient_forecast", spy)
    return spy


def _phq9(c: TestClient, pid: int, day: float, per_item: int) -> None:
    r = c.post(
        f"/api/patients/{pid}/scales",
        json={
            "instrument": "phq9",
            "mode": "self",
            "recall": "past_2_weeks",
            "administered_at": iso(T0 + timedelta(days=day)),
            "items": {str(i): per_item for i in range(1, 10)},
        },
    )
    assert r.status_code == 201, r.text


def test_a_chart_view_reuses_the_forecast_until_the_record_changes(
    clinic: Clinic, counting: Counting
) -> None:
    c = clinic.client("clinician")
    pid = _patient_with_sessions(c)
    for day, per_item in ((0, 3), (3, 2), (7, 1)):
        _madrs(c, pid, day, per_item)
    first = _chart(c, pid)["forecast"]
    assert first["available"] and len(counting.calls) == 1
    t0 = time.perf_counter()
    again = _chart(c, pid)["forecast"]
    assert time.perf_counter() - t0 < 1.0  # a page view again, not a fit
    assert again == first and len(counting.calls) == 1
    # another clinician of the site sees the same computation
    assert clinic.client("admin").get(f"/ui/patients/{pid}/chart.json").json()["forecast"] == first
    assert len(counting.calls) == 1
    # a new score is a new version of the record: the next view computes again, once
    _madrs(c, pid, 10, 1)
    changed = _chart(c, pid)["forecast"]
    assert len(counting.calls) == 2 and changed != first
    _chart(c, pid)
    assert len(counting.calls) == 2


def test_a_refused_forecast_is_kept_too(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record the model refuses would otherwise cost a fit on every view."""
    calls: list[int] = []

    def refuses(record: Any, **kw: Any) -> Any:
        calls.append(1)
        raise RuleError("record", "forecast.invalid", "the fit did not converge", None)

    monkeypatch.setattr(clinic_pages, "patient_forecast", refuses)
    c = clinic.client("clinician")
    pid = _patient_with_sessions(c)
    for _ in range(3):
        fc = _chart(c, pid)["forecast"]
        assert fc == {"available": False, "reason": "record: the fit did not converge"}
    assert len(calls) == 1


def test_the_forecast_stays_on_the_madrs_after_a_phq9(clinic: Clinic) -> None:
    """Bug: the forecast jumped to the PHQ-9 panel when a PHQ-9 was the latest score."""
    c = clinic.client("clinician")
    pid = _patient_with_sessions(c)
    for day, per_item in ((0, 3), (3, 2), (7, 1)):
        _madrs(c, pid, day, per_item)
    _phq9(c, pid, 11, 1)
    data = _chart(c, pid)
    fc = data["forecast"]
    assert fc["available"] and fc["scale"] == "madrs" and fc["series"] == INSTRUMENTS["madrs"].label
    assert fc["total_max"] == INSTRUMENTS["madrs"].total_max
    assert set(data["series"]) == {INSTRUMENTS["madrs"].label, INSTRUMENTS["phq9"].label}
    # the clinician picks the PHQ-9: the band moves there; the relapse risk stays the MADRS's
    r = c.get(f"/ui/patients/{pid}/chart.json?scale=phq9")
    assert r.status_code == 200, r.text
    phq = r.json()["forecast"]
    assert phq["scale"] == "phq9" and phq["series"] == INSTRUMENTS["phq9"].label
    assert phq["total_max"] == INSTRUMENTS["phq9"].total_max
    assert phq["relapse_probability"] == fc["relapse_probability"] and phq["window"] == fc["window"]
    assert max(phq["bands"]["95"]["upper"]) <= INSTRUMENTS["phq9"].total_max
    assert data["scales"] == {k: INSTRUMENTS[k].label for k in ("madrs", "qids_sr16", "phq9")}
    bad = c.get(f"/ui/patients/{pid}/chart.json?scale=cssrs")
    assert bad.status_code == 422 and "scale" in bad.text


def test_without_a_madrs_the_forecast_is_on_the_recorded_scale(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    pid = _patient_with_sessions(c)
    for day in (0, 3, 7):
        _phq9(c, pid, day, 2)
    fc = _chart(c, pid)["forecast"]
    assert fc["available"] and fc["scale"] == "phq9"


def test_the_cache_computes_once_for_concurrent_readers_and_evicts_the_oldest() -> None:
    cache = ForecastCache(size=2)
    calls: list[int] = []
    gate = threading.Event()

    def slow() -> str:
        calls.append(1)
        gate.wait(5)
        return "value"

    out: list[str] = []
    readers = [threading.Thread(target=lambda: out.append(cache.get("k", 1, slow))) for _ in range(8)]
    for t in readers:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in readers:
        t.join(5)
    assert out == ["value"] * 8 and len(calls) == 1
    assert cache.get("k", 2, lambda: "new") == "new"  # another version replaces it
    assert cache.get("k", 2, lambda: "never") == "new"
    cache.get("a", 1, lambda: "a")
    cache.get("b", 1, lambda: "b")  # "k" is now the least recently used of three: gone
    assert cache.get("k", 2, lambda: "again") == "again"

    def fails() -> str:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.get("x", 1, fails)
    assert cache.get("x", 1, lambda: "stored after a failure") == "stored after a failure"
    with pytest.raises(ValueError, match="size"):
        ForecastCache(size=0)
