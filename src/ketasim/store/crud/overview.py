"""The clinic at a glance: per patient its latest score, open alerts, REMS status and stored booster
suggestion; per session of a day the next thing its record needs before it can close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketasim.store.crud.audit import Actor
from ketasim.store.errors import RuleError
from ketasim.store.models import Alert, Course, Forecast, Patient, ScaleAdministration, Site, TreatmentSession
from ketasim.store.rules import check_close

__all__ = ["PatientGlance", "next_action", "patient_glance"]


@dataclass(frozen=True)
class PatientGlance:
    """What the patient list shows of one patient besides the name."""

    latest_instrument: str | None
    latest_total: int | None
    latest_at: datetime | None
    latest_band: str | None
    open_alerts: int
    esketamine: bool
    rems_enrolled: bool
    booster_from: datetime | None
    booster_until: datetime | None


def patient_glance(db: Session, actor: Actor, patients: list[Patient]) -> dict[int, PatientGlance]:
    """The list's columns for ``patients`` of the actor's site, in four queries whatever their number."""
    ids = [p.id for p in patients if p.site_id == actor.site_id]
    if not ids:
        return {}
    newest = (
        select(ScaleAdministration.patient_id, func.max(ScaleAdministration.administered_at).label("at"))
        .where(
            ScaleAdministration.patient_id.in_(ids),
            ScaleAdministration.total.is_not(None),
            ScaleAdministration.instrument != "cssrs",
        )
        .group_by(ScaleAdministration.patient_id)
        .subquery()
    )
    latest: dict[int, ScaleAdministration] = {}
    for row in db.scalars(
        select(ScaleAdministration)
        .join(
            newest,
            (ScaleAdministration.patient_id == newest.c.patient_id)
            & (ScaleAdministration.administered_at == newest.c.at),
        )
        .where(ScaleAdministration.total.is_not(None), ScaleAdministration.instrument != "cssrs")
        .order_by(ScaleAdministration.id)
    ):
        latest[row.patient_id] = row
    alerts: dict[int, int] = {
        pid: n
        for pid, n in db.execute(
            select(Alert.patient_id, func.count())
            .where(Alert.patient_id.in_(ids), Alert.acknowledged_at.is_(None))
            .group_by(Alert.patient_id)
        )
    }
    esk = set(
        db.scalars(
            select(Course.patient_id).where(
                Course.patient_id.in_(ids), Course.drug == "esketamine", Course.status == "active"
            )
        )
    )
    booster: dict[int, Forecast] = {}
    for fc in db.scalars(
        select(Forecast)
        .where(
            Forecast.patient_id.in_(ids),
            Forecast.status != "dismissed",
            Forecast.window_start.is_not(None),
        )
        .order_by(Forecast.generated_at)
    ):
        booster[fc.patient_id] = fc  # the newest stored suggestion wins
    out: dict[int, PatientGlance] = {}
    for p in patients:
        a, f = latest.get(p.id), booster.get(p.id)
        out[p.id] = PatientGlance(
            latest_instrument=a.instrument if a else None,
            latest_total=a.total if a else None,
            latest_at=a.administered_at if a else None,
            latest_band=a.band if a else None,
            open_alerts=int(alerts.get(p.id, 0)),
            esketamine=p.id in esk,
            rems_enrolled=p.rems_enrolled,
            booster_from=f.window_start if f else None,
            booster_until=f.window_end if f else None,
        )
    return out


def next_action(site: Site, s: TreatmentSession) -> str:
    """What the session's record needs next: the first rule closing still refuses on, in words."""
    if s.status in ("closed", "cancelled", "imported"):
        return ""
    if s.arrival_at is None:
        return "check in"
    try:
        check_close(site, s)
    except RuleError as err:
        return f"{err.field}: {err.rule}"
    return "ready to close"
