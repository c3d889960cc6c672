"""JSON Schema of protocol files, generated from the pydantic models into ``schema.json``.

``python -m ketasim.protocols.schema`` rewrites ``schema.json`` next to this file;
a test checks that the file is current. The schema covers the structure; the
meaning (label rules, schedules against constraints) is checked by
:func:`ketasim.protocols.checks.check_protocol`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ketasim.protocols.spec import Protocol

__all__ = ["SCHEMA_PATH", "schema", "schema_text"]

SCHEMA_PATH = Path(__file__).with_name("schema.json")


def schema() -> dict[str, Any]:
    """The protocol file schema (JSON Schema 2020-12)."""
    out = Protocol.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ketasim treatment protocol",
        **{k: v for k, v in out.items() if k != "title"},
    }


def schema_text() -> str:
    """The schema as written to ``schema.json`` (sorted keys, two-space indent)."""
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    """Rewrites ``schema.json``."""
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
