"""Scale items can be cleared (an answer entered by mistake): the total is incomplete again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..conftest import Clinic
from .helpers import assert_rule, make_patient


def test_an_item_can_be_cleared_in_the_api_and_the_page(clinic: Clinic) -> None:
    c = clinic.client()
    p = make_patient(c)
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    items = {**dict.fromkeys(range(1, 10), 2), 10: 1}
    r = c.post(
        f"/api/patients/{p['id']}/scales", json={"instrument": "madrs", "administered_at": at, "items": items}
    )
    assert r.status_code == 201 and r.json()["total"] == 19
    sid = r.json()["id"]

    r = c.delete(f"/api/scales/{sid}/items/3")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["total"] is None
        and body["band"] is None
        and "incomplete" in body["flags"]
        and "3" not in body["items"]
    )
    assert c.put(f"/api/scales/{sid}/items/3", json={"value": 0}).json()["total"] == 17

    page = c.put(f"/ui/scales/{sid}/items/10", data={"item10": ""})
    assert page.status_code == 200 and "incomplete (9/10 items)" in page.text
    assert c.get(f"/api/scales/{sid}").json()["total"] is None

    assert_rule(c.delete(f"/api/scales/{sid}/items/11"), "items.11", "scale.item_number")
    assert clinic.client("viewer").delete(f"/api/scales/{sid}/items/1").status_code == 403
    assert c.get(f"/api/scales/{sid}").json()["items"].get("1") == 2
