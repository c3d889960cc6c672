"""Property-based API fuzzing from the OpenAPI document: no 5xx, and every answer matches the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ketasim.web.app import create_app
from ketasim.web.settings import Settings
from tests.conftest import app_for, new_clinic

from .helpers import T0, make_course, make_patient, schedule

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def signed(sqlite_url: str) -> dict[str, Any]:
    """A clinician of a site holding one of everything, so that generated ids sometimes hit real rows."""
    app = app_for(sqlite_url)
    clinic = new_clinic(app)
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    schedule(c, p["id"], course["id"], T0)
    c.post(
        f"/api/patients/{p['id']}/scales",
        json={"instrument": "phq9", "mode": "self", "administered_at": T0.isoformat(), "items": {"9": 1}},
    )
    cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    return {"app": app, "headers": {"Cookie": cookie, "X-CSRF-Token": c.headers["X-CSRF-Token"]}}


def operations() -> list[str]:
    """Every documented operation, read from a database-less app at collection time."""
    spec = create_app(Settings(database_url="sqlite://")).openapi()
    return sorted(
        f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops if p != "/api/auth/logout"
    )


@pytest.fixture(scope="module")
def api_schema(signed: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", signed["app"])


@pytest.mark.parametrize("label", operations())
def test_api_answers_within_its_schema(label: str, api_schema: Any, signed: dict[str, Any]) -> None:
    strategy = api_schema.find_operation_by_label(label).as_strategy()

    @given(case=strategy)
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=signed["headers"], checks=CHECKS)

    run()
