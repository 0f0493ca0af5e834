"""The whole trial as the endpoint definitions read it: frozen inputs, nothing from Django.

A loader (a service reading the database, or the casebook reader) builds a `TrialData`; the pure
endpoint modules (`endpoints.efficacy`, `endpoints.dlt`, `endpoints.report`) read it.
Dates are `datetime.date`; PK collection times are aware datetimes. Vocabularies are the models'
(`efficacy.models.Response`, `Visit`, `DiseaseEvent.Type`, `Death.Cause`, `pk.models.Matrix`).

The cutoff (docs/spec/endpoints.md, "Time, populations and the cutoff") is applied once, by
`TrialData.as_of(cutoff)`: every record dated after the cutoff is dropped, as if not yet entered,
and the endpoint functions then read a `TrialAsOf` without looking at dates beyond it again.

Conventions where the spec is silent:
- A record's date: infusion date, AE onset, assessment date, disease-event date, HSCT date, death
  date, enrollment and off-study dates, and a PK sample's collection date in UTC (the project's
  default TIME_ZONE, and what Django returns aware datetimes in). An AE whose onset is on or
  before the cutoff but whose resolution is after it is kept, unresolved (its end was not known
  at the cutoff). A DLT adjudication carries no date here: it is taken as the caller passes it.
- Last known alive date: the latest of `last_contact_date` and every dated record of the patient
  that shows them alive — infusions, AE onset and resolution, assessments, PK samples, disease
  events and HSCT. Enrollment precedes day 0 and so never matters; the off-study date is not
  counted, because a patient lost to follow-up is taken off study on the day the site gives up,
  not on a day they were seen.
- Anything the patient did after the cutoff (a contact, a record, or a death dated after it)
  shows them alive on the cutoff date, so they are censored at the cutoff (the spec's "known alive
  after the cutoff, or whose death is dated after it"). `as_of` keeps that one fact: it sets
  `last_contact_date` to the last known alive date at the cutoff (the cutoff itself when it drops
  such a record); nothing else after the cutoff reaches any endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import NamedTuple

from patients.schedule import study_day


@dataclass(frozen=True, slots=True)
class DoseLevelData:
    """A protocol dose level: weight-based (`cells_per_kg`) or flat (`total_cells`)."""

    code: str
    rank: int  # escalation order, 1 the lowest
    cells_per_kg: float | None
    total_cells: float | None


@dataclass(frozen=True, slots=True)
class StudyData:
    escalation_design: str  # "BOIN" or "3+3"
    target_dlt_rate: float  # φ, a fraction
    dlt_window_days: int  # the DLT window is day 0 … this day, inclusive
    dose_levels: tuple[DoseLevelData, ...]  # sorted by rank

    def __post_init__(self):
        ranks = [level.rank for level in self.dose_levels]
        if ranks != sorted(ranks):
            raise ValueError(f"dose levels must be sorted by rank, got ranks {ranks}")


class InfusionData(NamedTuple):
    number: int  # 1 is the first infusion: its date is day 0
    date: date
    time: time | None  # start of the infusion: naive is UTC, else in its tzinfo; None: unknown
    dose_level_code: str


class AdverseEventData(NamedTuple):
    term: str
    grade: int
    onset_date: date
    resolution_date: date | None
    dlt_flagged: bool  # an active DLT candidate exists: a rule or an investigator raised it
    adjudication: str | None  # "confirmed", "rejected", or None (not adjudicated)


class AssessmentData(NamedTuple):
    visit: str  # SCREENING, W4, W8, W12, M6, M9, M12, UNSCHEDULED
    date: date
    response: str  # the investigator's category: CR, CRi, PR, SD, PD, NE
    mrd_pct: float | None  # bone-marrow MRD by flow, % of nucleated cells; None: not measured
    mrd_below_detection: bool = False  # below the assay's detection limit, `mrd_pct` the limit


class DiseaseEventData(NamedTuple):
    date: date
    type: str  # "relapse" or "progression"


class _PkSampleFields(NamedTuple):
    nominal_day: int
    collected_at: datetime  # aware
    matrix: str  # peripheral_blood, bone_marrow, csf
    car_copies_per_ug_gdna: float | None
    below_lloq: bool  # the qPCR result is below its lower limit of quantification
    car_t_cells_per_uL: float | None
    collected_on: date  # the collection date in UTC, the sample's date for the cutoff


class PkSampleData(_PkSampleFields):
    """One PK sample; `collected_on` is derived from `collected_at`, not passed. A named tuple:
    a recompute builds one per sample of the trial."""

    __slots__ = ()

    def __new__(cls, nominal_day: int, collected_at: datetime, matrix: str,
                car_copies_per_ug_gdna: float | None, below_lloq: bool,
                car_t_cells_per_uL: float | None):
        in_utc = collected_at
        if in_utc.tzinfo is not UTC:  # the loader's zone; anything else is converted
            # A naive datetime would silently be read in the server's local zone.
            if in_utc.utcoffset() is None:
                raise ValueError(f"collected_at must be timezone-aware, got {collected_at}")
            in_utc = in_utc.astimezone(UTC)
        return tuple.__new__(cls, (nominal_day, collected_at, matrix, car_copies_per_ug_gdna,
                                   below_lloq, car_t_cells_per_uL, in_utc.date()))


@dataclass(frozen=True, slots=True)
class PatientData:
    subject_id: str
    enrollment_date: date | None
    off_study_date: date | None
    infusions: tuple[InfusionData, ...]  # sorted by number
    adverse_events: tuple[AdverseEventData, ...]
    assessments: tuple[AssessmentData, ...]
    disease_events: tuple[DiseaseEventData, ...]
    hsct_date: date | None
    death_date: date | None
    death_cause: str | None  # disease_progression, adverse_event, other, unknown
    last_contact_date: date | None  # the casebook's last_known_alive_date: latest contact
    pk_samples: tuple[PkSampleData, ...]
    # `latest_alive_date()`, worked out once: every endpoint asks for it.
    _latest_alive: date | None = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_latest_alive", self._latest_alive_of_records())

    @property
    def day0(self) -> date | None:
        """Date of the first RD13-02 infusion (day 0, END-TIME-01); None if not infused."""
        return self.infusions[0].date if self.infusions else None

    def study_day(self, on: date) -> int:
        """`(on − day 0)` in whole days; the patient must be infused."""
        return study_day(self.infusions[0].date, on)

    def latest_alive_date(self) -> date | None:
        """The latest date on which a record shows the patient alive (module docstring), before
        any cutoff; None without such a record."""
        return self._latest_alive

    def _latest_alive_of_records(self) -> date | None:
        latest = [d for d in (self.hsct_date, self.last_contact_date) if d is not None]
        if self.infusions:
            latest.append(max(infusion.date for infusion in self.infusions))
        if self.adverse_events:
            # Resolution is never before onset (a database constraint and a casebook check).
            latest.append(max(ae.resolution_date or ae.onset_date for ae in self.adverse_events))
        if self.assessments:
            latest.append(max(assessment.date for assessment in self.assessments))
        if self.disease_events:
            latest.append(max(event.date for event in self.disease_events))
        if self.pk_samples:
            latest.append(max(sample.collected_on for sample in self.pk_samples))
        return max(latest, default=None)

    def last_known_alive_date(self, cutoff: date) -> date | None:
        """END-TIME-03 "Last known alive date", capped at the cutoff: a patient known alive after
        the cutoff, or whose death is dated after it, is known alive on the cutoff date."""
        if self.death_date is not None and self.death_date > cutoff:
            return cutoff
        latest = self.latest_alive_date()
        return None if latest is None else min(latest, cutoff)

    def latest_date(self) -> date | None:
        """The latest date anywhere in the record (to tell whether the cutoff changes anything)."""
        dated = [d for d in (self.latest_alive_date(), self.enrollment_date,
                             self.off_study_date, self.death_date) if d is not None]
        return max(dated, default=None)

    def as_of(self, cutoff: date) -> PatientData:
        """The record as it stood at the cutoff: everything dated after it dropped (module
        docstring); the same object when nothing is."""
        latest = self.latest_date()
        if latest is None or latest <= cutoff:
            return self
        return replace(
            self,
            enrollment_date=_on_or_before(self.enrollment_date, cutoff),
            off_study_date=_on_or_before(self.off_study_date, cutoff),
            infusions=tuple(i for i in self.infusions if i.date <= cutoff),
            adverse_events=tuple(_ae_as_of(ae, cutoff) for ae in self.adverse_events
                                 if ae.onset_date <= cutoff),
            assessments=tuple(a for a in self.assessments if a.date <= cutoff),
            disease_events=tuple(e for e in self.disease_events if e.date <= cutoff),
            hsct_date=_on_or_before(self.hsct_date, cutoff),
            death_date=_on_or_before(self.death_date, cutoff),
            death_cause=self.death_cause if _on_or_before(self.death_date, cutoff) else None,
            last_contact_date=self.last_known_alive_date(cutoff),
            pk_samples=tuple(s for s in self.pk_samples if s.collected_on <= cutoff),
        )


@dataclass(frozen=True, slots=True)
class TrialData:
    study: StudyData
    patients: tuple[PatientData, ...]

    def as_of(self, cutoff: date) -> TrialAsOf:
        patients = tuple(patient.as_of(cutoff) for patient in self.patients)
        return TrialAsOf(study=self.study, cutoff=cutoff, patients=patients,
                         infused=tuple(patient for patient in patients if patient.infusions))


@dataclass(frozen=True, slots=True)
class TrialAsOf:
    """The trial at a cutoff (`TrialData.as_of`): nothing dated after `cutoff` is left in it.

    `infused` is the modified intention-to-treat set, every efficacy denominator: the patients
    with a first infusion on or before the cutoff.
    """

    study: StudyData
    cutoff: date
    patients: tuple[PatientData, ...]
    infused: tuple[PatientData, ...]


def _on_or_before(day: date | None, cutoff: date) -> date | None:
    return day if day is not None and day <= cutoff else None


def _ae_as_of(ae: AdverseEventData, cutoff: date) -> AdverseEventData:
    if ae.resolution_date is not None and ae.resolution_date > cutoff:
        return ae._replace(resolution_date=None)
    return ae
