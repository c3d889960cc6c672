"""Input and output schemas (Create / Update / Public) shared by crud and the web API.

Per-field rules (ranges, units, timezones) live here, so that a bad value is
refused with pydantic's 422 naming the field, the rule and the input.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, Strict, model_validator

from ketasim.store.validators import (
    HORIZON,
    clean_line,
    clean_name,
    clean_note,
    clean_text,
    date_bounds,
    time_bounds,
)

__all__ = [
    "AlertAcknowledge",
    "AlertPublic",
    "ContraindicationCreate",
    "ContraindicationPublic",
    "ContraindicationResolve",
    "CourseCreate",
    "CoursePublic",
    "DeviceIn",
    "ForecastCreate",
    "ForecastPublic",
    "ForecastReview",
    "ItemSet",
    "Page",
    "PatientCreate",
    "PatientPublic",
    "PatientSearch",
    "PatientUpdate",
    "RemsConcomitant",
    "RemsFormPublic",
    "RemsFormSubmit",
    "RemsFormUpdate",
    "ScaleCreate",
    "ScalePublic",
    "SessionCreate",
    "SessionPublic",
    "SessionUpdate",
    "SitePublic",
    "SiteUpdate",
    "UserCreate",
    "UserPublic",
    "VitalCreate",
    "VitalPublic",
]

T = TypeVar("T")
#: Row ids are 32-bit on PostgreSQL: larger numbers are refused, not overflowed.
MAX_ID = 2_147_483_647
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(clean_line)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(clean_name)]
#: Notes and reasons are stripped and need that many characters besides spaces (decision 0019).
Note = Annotated[str, Field(min_length=3, max_length=4000), AfterValidator(clean_note(3))]
Reason = Annotated[str, Field(min_length=10, max_length=2000), AfterValidator(clean_note(10))]
Email = Annotated[
    str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"), AfterValidator(clean_line)
]
#: Item values and totals are JSON integers: no ``true``, no ``"3"``, no ``3.0``.
StrictInt = Annotated[int, Strict()]
#: Dates and times of things that happened: from 1900, never in the future.
BirthDate = Annotated[date, AfterValidator(date_bounds("patient.birth_future"))]
WeightDate = Annotated[date, AfterValidator(date_bounds("weight.measured_future"))]
DeathDate = Annotated[date, AfterValidator(date_bounds("patient.death_future"))]
StartDate = Annotated[date, AfterValidator(date_bounds("course.start_future", future=HORIZON))]
ExpiryDate = Annotated[date, AfterValidator(date_bounds("lot.expiry", future=timedelta(days=3660)))]
SessionTime = Annotated[AwareDatetime, AfterValidator(time_bounds("session"))]
VitalTime = Annotated[AwareDatetime, AfterValidator(time_bounds("vitals"))]
ScaleTime = Annotated[AwareDatetime, AfterValidator(time_bounds("scale"))]
#: Scheduled sessions and forecasts may lie ahead, up to the scheduling horizon.
PlannedTime = Annotated[AwareDatetime, AfterValidator(time_bounds("session", future=HORIZON))]
ForecastTime = Annotated[AwareDatetime, AfterValidator(time_bounds("forecast", future=HORIZON))]
Key = Annotated[str, Field(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$")]
Role = Literal["admin", "clinician", "viewer"]
Sex = Literal["female", "male"]
Ancestry = Literal["white", "black", "asian", "japanese", "other"]
Genotype = Literal["val_val", "val_met", "met_met", "unknown"]
Instrument = Literal["madrs", "phq9", "qids_sr16", "cssrs"]
Protocol = Literal["esketamine_label", "ketamine_iv_clinic"]
ContraKind = Literal[
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_haemorrhage",
    "hypersensitivity",
]


class Input(BaseModel):
    """Inputs refuse unknown fields: a misspelt field must not be dropped silently."""

    model_config = ConfigDict(extra="forbid")


class Public(BaseModel):
    """Outputs are read from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total count."""

    items: list[T]
    total: int
    limit: int
    offset: int


# --- sites and staff ------------------------------------------------------------------------
class SitePublic(Public):
    id: int
    name: str
    timezone: str
    rems_certified: bool
    madrs_si_cutoff: int
    iv_max_mg_per_kg: float
    iv_min_infusion_min: float
    weight_max_age_days: int
    bp40_window_min: list[int]
    min_interval_warn_h: float
    crisis_line: str | None


class SiteUpdate(Input):
    rems_certified: bool | None = None
    madrs_si_cutoff: Annotated[int, Field(ge=1, le=6)] | None = None
    iv_max_mg_per_kg: Annotated[float, Field(gt=0, le=2.0)] | None = None
    iv_min_infusion_min: Annotated[float, Field(ge=1, le=240)] | None = None
    weight_max_age_days: Annotated[int, Field(ge=1, le=365)] | None = None
    min_interval_warn_h: Annotated[float, Field(ge=0, le=24 * 14)] | None = None
    #: Crisis resources shown beside suicidal-ideation alerts; null clears them.
    crisis_line: Text | None = None


class UserCreate(Input):
    email: Email
    name: Name
    role: Role
    password: Annotated[str, Field(min_length=12, max_length=200)]


class UserPublic(Public):
    id: int
    site_id: int
    email: str
    name: str
    role: Role
    active: bool


# --- patients -------------------------------------------------------------------------------
class PatientBase(Input):
    ancestry: Ancestry = "white"
    weight_kg: Annotated[float, Field(ge=30, le=300, description="kg")] | None = None
    weight_measured_on: WeightDate | None = None
    bdnf_val66met: Genotype = "unknown"
    benzodiazepine_mg_day: Annotated[float, Field(ge=0, le=200, description="diazepam-equivalent mg/day")] = (
        0.0
    )
    rems_enrolled: bool = False
    pregnancy_positive: bool = False


class PatientCreate(PatientBase):
    mrn: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
    name: Name
    birth_date: BirthDate
    sex: Sex


class PatientSearch(Input):
    q: Annotated[str, Field(max_length=100), AfterValidator(clean_line)]


class PatientUpdate(Input):
    name: Name | None = None
    ancestry: Ancestry | None = None
    weight_kg: Annotated[float, Field(ge=30, le=300)] | None = None
    weight_measured_on: WeightDate | None = None
    bdnf_val66met: Genotype | None = None
    benzodiazepine_mg_day: Annotated[float, Field(ge=0, le=200)] | None = None
    rems_enrolled: bool | None = None
    pregnancy_positive: bool | None = None
    death_date: DeathDate | None = None


class ContraindicationCreate(Input):
    kind: ContraKind
    detail: Annotated[str, Field(max_length=2000), AfterValidator(clean_text)] = ""


class ContraindicationResolve(Input):
    note: Note


class ContraindicationPublic(Public):
    id: int
    patient_id: int
    kind: str
    detail: str
    flagged_at: datetime
    resolved_at: datetime | None
    resolution_note: str | None


class PatientPublic(Public):
    id: int
    site_id: int
    mrn: str
    name: str
    birth_date: date
    sex: Sex
    ancestry: str
    weight_kg: float | None
    weight_measured_on: date | None
    bdnf_val66met: str
    benzodiazepine_mg_day: float
    rems_enrolled: bool
    pregnancy_positive: bool
    death_date: date | None
    contraindications: list[ContraindicationPublic]


class CourseCreate(Input):
    protocol: Protocol
    start_date: StartDate
    mg_per_kg: Annotated[float, Field(gt=0, le=2.0)] | None = None
    infusion_min: Annotated[float, Field(gt=0, le=240)] | None = None


class CoursePublic(Public):
    id: int
    patient_id: int
    protocol: str
    drug: str
    route: str
    label_status: str
    start_date: date
    status: str
    mg_per_kg: float | None
    infusion_min: float | None


# --- sessions -------------------------------------------------------------------------------
class DeviceIn(Input):
    given_at: SessionTime


class SessionFields(Input):
    dose_mg: Annotated[float, Field(gt=0, le=500, description="mg")] | None = None
    mg_per_kg: Annotated[float, Field(gt=0, le=5)] | None = None
    weight_kg: Annotated[float, Field(ge=30, le=300, description="kg")] | None = None
    weight_measured_on: WeightDate | None = None
    infusion_min: Annotated[float, Field(gt=0, le=600)] | None = None
    lot: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(clean_line)] | None = None
    lot_expiry: ExpiryDate | None = None
    devices: Annotated[list[DeviceIn], Field(max_length=3)] | None = None
    arrival_at: SessionTime | None = None
    dose_start_at: SessionTime | None = None
    dose_end_at: SessionTime | None = None
    monitoring_end_at: SessionTime | None = None
    discharge_at: SessionTime | None = None
    cadss: Annotated[int, Field(ge=0, le=92)] | None = None
    moaas_min: Annotated[int, Field(ge=0, le=5)] | None = None
    adverse_events: Annotated[str, Field(max_length=4000), AfterValidator(clean_text)] | None = None
    pulse_oximetry: bool | None = None
    consent_on_file: bool | None = None
    fasting_confirmed: bool | None = None
    transport_confirmed: bool | None = None
    discharge_ready: bool | None = None


class SessionCreate(SessionFields):
    course_id: DbId
    scheduled_at: PlannedTime
    drug: Literal["esketamine", "racemic_ketamine"] | None = Field(
        default=None, description="default: the course's"
    )
    route: Literal["intranasal", "iv"] | None = Field(default=None, description="default: the course's")
    idempotency_key: Key | None = None
    override_reason: Reason | None = None


class SessionUpdate(SessionFields):
    pass


class VitalCreate(Input):
    point: Literal["pre_dose", "at_40min", "discharge", "other"]
    measured_at: VitalTime
    sbp: Annotated[int, Field(ge=60, le=260, description="mmHg")]
    dbp: Annotated[int, Field(ge=30, le=160, description="mmHg")]
    hr: Annotated[int, Field(ge=30, le=220, description="beats/min")] | None = None
    spo2: Annotated[int, Field(ge=50, le=100, description="%")] | None = None
    rr: Annotated[int, Field(ge=4, le=60, description="breaths/min")] | None = None

    @model_validator(mode="after")
    def _sbp_above_dbp(self) -> VitalCreate:
        if self.sbp <= self.dbp:
            raise ValueError(
                f"sbp must be greater than dbp (rule vitals.sbp_gt_dbp); received {self.sbp}/{self.dbp}"
            )
        return self


class VitalPublic(Public):
    id: int
    point: str
    measured_at: datetime
    sbp: int
    dbp: int
    hr: int | None
    spo2: int | None
    rr: int | None


class DevicePublic(Public):
    seq: int
    given_at: datetime


class SessionPublic(Public):
    id: int
    patient_id: int
    course_id: DbId
    status: str
    scheduled_at: datetime
    drug: str
    route: str
    dose_mg: float | None
    mg_per_kg: float | None
    weight_kg: float | None
    weight_measured_on: date | None
    infusion_min: float | None
    lot: str | None
    lot_expiry: date | None
    arrival_at: datetime | None
    dose_start_at: datetime | None
    dose_end_at: datetime | None
    monitoring_end_at: datetime | None
    discharge_at: datetime | None
    monitoring_min: float | None
    cadss: int | None
    moaas_min: int | None
    adverse_events: str
    pulse_oximetry: bool
    consent_on_file: bool
    fasting_confirmed: bool
    transport_confirmed: bool
    discharge_ready: bool
    override_reason: str | None
    warnings: list[str]
    devices: list[DevicePublic]
    vitals: list[VitalPublic]
    closed_at: datetime | None


# --- scales ---------------------------------------------------------------------------------
class ScaleCreate(Input):
    instrument: Instrument
    administered_at: ScaleTime
    mode: Literal["clinician", "self", "remote"] = "clinician"
    recall: Literal["past_week", "past_24h", "past_2_weeks", "past_month"] = "past_week"
    session_id: DbId | None = None
    #: Who rated: an active clinician of the site (default: the clinician entering it).
    rater_id: DbId | None = None
    items: dict[Annotated[int, Field(ge=1, le=16)], StrictInt] = Field(default_factory=dict)
    total: Annotated[int, Field(ge=0, le=60, strict=True)] | None = None
    origin: Literal["native", "converted"] = "native"
    idempotency_key: Key | None = None


class ItemSet(Input):
    value: StrictInt


class ScalePublic(Public):
    id: int
    patient_id: int
    session_id: int | None
    rater_id: int | None
    instrument: str
    mode: str
    recall: str
    administered_at: datetime
    source: str
    total: int | None
    band: str | None
    flags: list[str]
    items: dict[int, int]
    complete: bool

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        if hasattr(data, "items") and isinstance(getattr(data, "items", None), list):
            row = data
            return {
                **{k: getattr(row, k) for k in cls.model_fields if k not in ("items", "complete")},
                "items": {i.item_no: i.value for i in row.items},
                "complete": row.total is not None,
            }
        return data


# --- alerts and forecasts -------------------------------------------------------------------
class AlertPublic(Public):
    id: int
    patient_id: int
    rule: str
    severity: str
    message: str
    source_kind: str
    source_id: int
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    note: str | None


class AlertAcknowledge(Input):
    note: Note


class Trajectory(Input):
    times: Annotated[list[ForecastTime], Field(min_length=1, max_length=2000)]
    quantiles: dict[Literal["q05", "q25", "q50", "q75", "q95"], list[float]]

    @model_validator(mode="after")
    def _lengths(self) -> Trajectory:
        for q, values in self.quantiles.items():
            if len(values) != len(self.times):
                raise ValueError(f"quantile {q} has {len(values)} values for {len(self.times)} times")
        return self


# --- REMS Patient Monitoring Form ------------------------------------------------------------
#: Concomitant medicine classes the esketamine REMS form asks about (sedation or blood pressure).
RemsConcomitant = Literal[
    "benzodiazepine", "non_benzodiazepine_hypnotic", "opioid", "psychostimulant", "maoi"
]


class RemsFormUpdate(Input):
    """The form's own answers; fields left out stay as they are."""

    concomitant: Annotated[list[RemsConcomitant], Field(max_length=5)] | None = Field(
        default=None, description="classes taken ([] for none)"
    )
    monitoring_provider_id: DbId | None = None
    ready_to_leave_min: Annotated[int, Field(ge=0, le=600, strict=True)] | None = Field(
        default=None, description="minutes after the first device the patient would have been ready to leave"
    )
    vitals_acceptable_pre: bool | None = None
    vitals_acceptable_end: bool | None = None
    sedation: bool | None = None
    dissociation: bool | None = None
    respiratory_depression: bool | None = None
    serious_adverse_event: bool | None = None


class RemsFormSubmit(Input):
    channel: Literal["online", "fax"]
    confirmation: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(clean_line)]


class RemsFormPublic(BaseModel):
    """The form as it would be submitted: the record's values, the answers, and what is missing."""

    session_id: int
    status: Literal["draft", "ready", "submitted"]
    due_on: date
    overdue: bool
    missing: list[str]
    fields: dict[str, Any]
    answers: dict[str, Any]
    submitted_at: datetime | None
    channel: str | None
    confirmation: str | None


class ForecastCreate(Input):
    course_id: DbId | None = None
    kind: Literal["population", "personal"]
    model: Text
    model_version: Annotated[str, Field(min_length=1, max_length=40), AfterValidator(clean_line)]
    inputs_hash: Annotated[str, Field(min_length=8, max_length=64)]
    scale: Instrument
    trajectory: Trajectory
    window_start: ForecastTime | None = None
    window_end: ForecastTime | None = None


class ForecastReview(Input):
    status: Literal["accepted", "dismissed"]
    note: Note


class ForecastPublic(Public):
    id: int
    patient_id: int
    course_id: int | None
    kind: str
    model: str
    model_version: str
    inputs_hash: str
    scale: str
    trajectory: dict[str, Any]
    window_start: datetime | None
    window_end: datetime | None
    generated_at: datetime
    status: str
    reviewed_by: int | None
    reviewed_at: datetime | None
    review_note: str | None
