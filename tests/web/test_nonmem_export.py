"""The app's CSV export is a NONMEM dataset pharmpy reads (as NM-TRAN would), and pharmpy's reading
gives ketasim the same record as ketasim's own reader."""

from __future__ import annotations

from ketasim.io.nonmem import read_csv
from ketasim.io.nonmem_checks import record_from_rows
from tests.conftest import Clinic
from tests.io.test_nonmem_pharmpy import _pharmpy_rows

from .test_records import filled


def test_the_app_csv_export_is_read_by_pharmpy_and_reads_back_equal(clinic: Clinic, tmp_path) -> None:
    c = clinic.client("clinician")
    r = c.get(f"/api/patients/{filled(c, clinic)}/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _pharmpy_rows(tmp_path, r.text)
    assert {row["EVID"] for row in rows} == {0, 1}
    saved = tmp_path / "export.csv"
    saved.write_text(r.text, encoding="utf-8")
    ours = record_from_rows(read_csv(saved))
    assert record_from_rows(rows) == ours
    assert len(ours.regimen.doses) >= 3 and len(ours.observations) >= 2
