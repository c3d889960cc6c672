"""Reading YAML and JSON files: the one loader behind every file ketasim reads.

``.json`` files are read as JSON, everything else as YAML (safe loading).
Errors name the file, and the line and column where a parser stopped:

>>> read_data("missing.yaml", "protocol")
Traceback (most recent call last):
...
ketasim.errors.InputError: [protocol] field 'file': file not found; received 'missing.yaml'

:func:`load` reads a file and builds something from its data (a patient, a
regimen, a trial spec); an error of the builder is told the file and the line
of the field it names (``doses[1].dose`` is the ``dose`` key of the second dose
entry), so the user sees where to look:

>>> import tempfile
>>> from ketasim.population.patients import Patient
>>> with tempfile.TemporaryDirectory() as d:
...     p = Path(d) / "patient.yaml"
...     _ = p.write_text("age_years: 40\\nweight_kg: 900\\n")
...     try:
...         load(p, "patient", Patient.from_mapping)
...     except InputError as err:
...         print(err.field, err.where.endswith("patient.yaml, line 2"))
weight_kg True
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from ketasim.errors import InputError, KetasimError

__all__ = ["field_line", "load", "load_mapping", "parse_json", "read_data", "read_mapping"]

T = TypeVar("T")


def read_data(path: str | Path, what: str, *, field: str = "file") -> Any:
    """The plain data in a YAML or JSON file; an empty YAML file is ``None``.

    ``what`` and ``field`` name the input in errors (``[what] field 'field': ...``).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(what, field, "file not found", str(path))
    text = _text(p, what, field)
    if p.suffix.lower() == ".json":
        return parse_json(text, what, str(path), field=field)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or err.__class__.__name__
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InputError(what, field, f"is not valid YAML{where} ({problem})", str(path)) from None


def _text(p: Path, what: str, field: str) -> str:
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(what, field, "is not UTF-8 text", str(p)) from None
    except OSError as err:
        raise InputError(what, field, f"cannot be read ({err.strerror})", str(p)) from None


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


def load(path: str | Path, what: str, build: Callable[[Any], T], *, field: str = "file") -> T:
    """``build(data)`` of the data in a YAML or JSON file; its errors say the file and the line.

    ``what`` and ``field`` name the file itself in errors about reading it (not
    found, not YAML). An error ``build`` raises keeps its field and rule and is
    told ``(<path>, line <n>)``: the line of the key its field names, or of the
    deepest part of that path the file has (the entry a required key is missing
    from). An error that already says where it was read is left as it is.
    """
    data = read_data(path, what, field=field)
    try:
        return build(data)
    except KetasimError as err:
        if err.where is not None:
            raise
        line = field_line(Path(path), err.field)
        raise err.located(f"{path}, line {line}" if line is not None else str(path)) from None


def load_mapping(
    path: str | Path, what: str, build: Callable[[dict[str, Any]], T], *, field: str = "file"
) -> T:
    """:func:`load` of a file that must hold one mapping (an empty file is an empty mapping)."""

    def mapping(data: Any) -> T:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise InputError(what, field, "must hold a mapping (key: value lines)", type(data).__name__)
        return build(data)

    return load(path, what, mapping, field=field)


_STEP = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def field_line(path: Path, field: str) -> int | None:
    """The line (1-based) of ``field`` (``arms[0].regimen``) in a YAML or JSON file, None if unknown.

    Follows the path as far as the file has it: a key that is not there (a required
    field missing) gives the line of the mapping it is missing from. A field that
    names nothing in the file (the top level, an option) gives None.
    """
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    line = None
    for index, key in _STEP.findall(field):
        if isinstance(node, yaml.SequenceNode) and index:
            k = int(index)
            if k >= len(node.value):
                break
            node = node.value[k]
            line = node.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode) and key:
            hit = [(kn, vn) for kn, vn in node.value if isinstance(kn, yaml.ScalarNode) and kn.value == key]
            if not hit:
                break
            line = hit[0][0].start_mark.line + 1
            node = hit[0][1]
        elif isinstance(node, yaml.SequenceNode) and key:
            continue  # a list written without its key (a regimen file of dose entries)
        else:
            break
    return line
