"""The patient chart's forecasts, computed once per version of the record and kept in memory.

A forecast costs seconds (the MAP + Laplace fit and the booster plan); a chart view must not.
Each entry is kept under its key (site, patient, scale) with the version it was computed for: a
digest of the exported record (every dose, score and covariate the model sees), the calibrated
set the model runs with, and the hour the forecast starts in. Any write that changes the record
changes the digest, so nothing has to remember to invalidate; a view in a later hour recomputes,
so the forecast never starts more than an hour before the present.

Concurrent views of one patient wait for a single computation instead of each running their own.
Nothing here is logged: the record holds patient data, and its digest is used only as a key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TypeVar

from ketasim import __version__
from ketasim.model import default_model
from ketasim.record import PatientRecord

__all__ = ["ForecastCache", "record_version"]

T = TypeVar("T")


def record_version(record: PatientRecord, start: datetime) -> tuple[str, str, str, str]:
    """What a forecast of ``record`` starting at ``start`` depends on, as a cache version.

    ``repr`` of the frozen record spells out every field with exact float and time values, so two
    records with the same digest give the same forecast.
    """
    digest = hashlib.sha256(repr(record).encode()).hexdigest()
    calibration = default_model().calibration or "library priors"
    return digest, calibration, __version__, start.isoformat()


class ForecastCache:
    """A bounded, thread-safe map from a key to the latest value and the version it was made for."""

    def __init__(self, size: int = 1024) -> None:
        if size < 1:
            raise ValueError(f"size: a cache holds at least one entry, received {size}")
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def _lookup(self, key: Hashable, version: Hashable) -> tuple[bool, object]:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version:
            self._entries.move_to_end(key)
            return True, entry[1]
        return False, None

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], T]) -> T:
        """The value stored for ``key`` at ``version``, or ``compute()``'s, stored in its place.

        An error raised by ``compute`` is passed on and nothing is stored.
        """
        with self._lock:
            found, value = self._lookup(key, version)
            if found:
                self.hits += 1
                return value  # type: ignore[return-value]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:  # one computation per key at a time; the others wait and find its result
            with self._lock:
                found, value = self._lookup(key, version)
                if found:
                    self.hits += 1
                    return value  # type: ignore[return-value]
                self.misses += 1
            fresh = compute()
            with self._lock:
                self._entries[key] = (version, fresh)
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    old, _ = self._entries.popitem(last=False)
                    self._computing.pop(old, None)
        return fresh

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
