"""The JSON Schema of trial specs, generated from the pydantic models.

``python -m ketasim.trials.schema`` rewrites ``schema.json`` next to this file;
a test checks that the shipped file is current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ketasim.trials.spec import TrialSpec

__all__ = ["SCHEMA_PATH", "schema", "schema_text"]

SCHEMA_PATH = Path(__file__).with_name("schema.json")


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a trial spec."""
    out = TrialSpec.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:ketasim:trial-spec",
        **out,
        "title": "ketasim trial spec",
        "description": "An in-silico trial for ketasim (docs/trials.md).",
    }


def schema_text() -> str:
    """The schema as written to ``schema.json`` (sorted keys, two-space indent)."""
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    """Rewrites ``schema.json``."""
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
