"""The protocols shipped with ketasim (YAML files in ``protocols/library``), by name or file.

>>> names()
['esketamine-label', 'iv-6x2w-fixed-3-weekly', 'iv-6x2w-relapse-only', 'iv-6x2w-symptom-triggered']
>>> load("esketamine-label").maintenance.policy
'taper'
"""

from __future__ import annotations

from pathlib import Path

from ketasim.errors import InputError
from ketasim.protocols.load import load_protocol
from ketasim.protocols.spec import Protocol

__all__ = ["LIBRARY", "load", "names"]

LIBRARY = Path(__file__).with_name("library")


def names() -> list[str]:
    """Names of the shipped protocols."""
    return sorted(p.stem for p in LIBRARY.glob("*.yaml"))


def load(name_or_path: str | Path) -> Protocol:
    """A shipped protocol by name, or a protocol YAML file."""
    key = str(name_or_path)
    if key in names():
        return load_protocol(LIBRARY / f"{key}.yaml")
    if not Path(key).is_file():
        raise InputError(
            "protocol", "protocol", f"neither a shipped protocol ({', '.join(names())}) nor a file", key
        )
    return load_protocol(key)
