"""The shipped JSON Schema is current and describes the shipped examples."""

import json

import yaml

from ketasim.trials import EXAMPLES
from ketasim.trials.schema import SCHEMA_PATH, schema_text


def test_schema_file_is_current():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "schema.json is stale: run `python -m ketasim.trials.schema`"
    )


def test_schema_lists_every_top_level_field_and_forbids_others():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"id", "title", "population", "endpoints"}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert set(data) <= set(schema["properties"]), path.name
    endpoint = schema["$defs"]["Endpoint"]["properties"]
    assert {"in", "from", "among", "arms", "by", "times"} <= set(endpoint)
    assert "anyOf" in endpoint["among"]  # one condition or a list
