"""Reading YAML and JSON files: the one loader behind every file ketasim reads.

``.json`` files are read as JSON, everything else as YAML (safe loading).
Errors name the file, and the line and column where a parser stopped:

>>> read_data("missing.yaml", "protocol")
Traceback (most recent call last):
...
ketasim.errors.InputError: [protocol] field 'file': file not found; received 'missing.yaml'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ketasim.errors import InputError

__all__ = ["parse_json", "read_data", "read_mapping"]


def read_data(path: str | Path, what: str, *, field: str = "file") -> Any:
    """The plain data in a YAML or JSON file; an empty YAML file is ``None``.

    ``what`` and ``field`` name the input in errors (``[what] field 'field': ...``).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(what, field, "file not found", str(path))
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(what, field, "is not UTF-8 text", str(path)) from None
    if p.suffix.lower() == ".json":
        return parse_json(text, what, str(path), field=field)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or err.__class__.__name__
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InputError(what, field, f"is not valid YAML{where} ({problem})", str(path)) from None


def parse_json(text: str, what: str, name: str, *, field: str = "file") -> Any:
    """JSON text read from ``name`` (a file name, for the error's message)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            what, field, f"is not valid JSON at line {err.lineno}, column {err.colno} ({err.msg})", name
        ) from None


def read_mapping(path: str | Path, what: str, *, field: str = "file") -> dict[str, Any]:
    """A file holding one mapping (an empty file is an empty mapping)."""
    data = read_data(path, what, field=field)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(what, field, "must hold a mapping (key: value lines)", type(data).__name__)
    return data
