"""Cross-form date checks in model `clean()`: a record against the rest of its patient's record.

Each dated clinical model declares `TIMELINE = (role, date_fields)` with role one of "patient",
"lymphodepletion", "infusion", "death" or "clinical". `TimelineChecked.clean()` gathers the
patient's other records (a fixed number of queries), puts the record being validated in place of
its saved copy and asks `chronology.timeline_problems`; problems that involve this record are
raised on its own fields.
"""

from datetime import datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.date_order import Timeline, onset_resolution_problems, timeline_problems

SELF = "self."


def _as_date(value):
    return value.date() if isinstance(value, datetime) else value


def _timeline_models():
    return [m for m in apps.get_models() if hasattr(m, "TIMELINE") and m.TIMELINE[0] != "patient"]


def _entries(record, prefix: str):
    role, fields = record.TIMELINE
    for name in fields:
        value = _as_date(getattr(record, name))
        if value is not None:
            yield role, f"{prefix}{name}", value


def _saved_entries(model, patient_id, exclude_pk):
    """The dated fields of the patient's other saved records of `model`: one narrow query."""
    role, fields = model.TIMELINE
    rows = model.objects.filter(patient_id=patient_id)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    label = model._meta.verbose_name
    for pk, *values in rows.values_list("pk", *fields):
        for name, value in zip(fields, values, strict=True):
            if value is not None:
                yield role, f"{label} #{pk} {name}", _as_date(value)


def build_timeline(patient, record) -> tuple[Timeline, dict]:
    """The patient's timeline with `record`'s unsaved values in place of its saved ones."""
    own_patient = record if record.TIMELINE[0] == "patient" else patient
    entries = []
    death = None
    for model in _timeline_models():
        if own_patient.pk is None:
            break
        exclude_pk = record.pk if type(record) is model else None
        entries.extend(_saved_entries(model, own_patient.pk, exclude_pk))
    if record.TIMELINE[0] != "patient":
        entries.extend(_entries(record, SELF))
    lymphodepletion = next(((p, d) for r, p, d in entries if r == "lymphodepletion"), None)
    for role, path, day in entries:
        if role == "death":
            death = (path, day)
    consent_path = f"{SELF}consent_date" if record is own_patient else "the consent date"
    enrollment_path = f"{SELF}enrollment_date" if record is own_patient else "the enrollment date"
    timeline = Timeline(
        consent_date=own_patient.consent_date,
        enrollment_date=own_patient.enrollment_date,
        lymphodepletion_start=lymphodepletion,
        infusion_dates=tuple((p, d) for r, p, d in entries if r == "infusion"),
        death_date=death[1] if death else None,
        clinical_dates=tuple((p, d) for r, p, d in entries if r == "clinical"),
        off_study_date=(f"{SELF}off_study_date", own_patient.off_study_date)
        if record is own_patient and own_patient.off_study_date else None,
        today=timezone.localdate(),
    )
    paths = {"consent": consent_path, "enrollment": enrollment_path,
             "death": death[0] if death else "death.date"}
    return timeline, paths


class TimelineChecked:
    """Mixin for clinical models: `clean()` enforces the date-order rules against the patient.

    A casebook import validates whole patients in memory and sets `timeline_checked_by_caller`:
    it applies the same `timeline_problems` to the bundle's own timeline instead of the database.
    """

    timeline_checked_by_caller = False

    def clean(self):
        super().clean()
        errors: dict[str, list[str]] = {}
        patient = self if self.TIMELINE[0] == "patient" else getattr(self, "patient", None)
        if patient is None:
            return
        onset = getattr(self, "onset_date", None)
        for problem in onset_resolution_problems(onset, getattr(self, "resolution_date", None),
                                                 path=f"{SELF}resolution_date"):
            errors.setdefault(problem.path.removeprefix(SELF), []).append(problem.message)
        if self.timeline_checked_by_caller:
            if errors:
                raise ValidationError(errors)
            return
        timeline, paths = build_timeline(patient, self)
        for problem in timeline_problems(timeline, consent_path=paths["consent"],
                                         enrollment_path=paths["enrollment"],
                                         death_path=paths["death"]):
            if problem.path.startswith(SELF):
                errors.setdefault(problem.path.removeprefix(SELF), []).append(problem.message)
            elif problem.other and problem.other.startswith(SELF):
                errors.setdefault(problem.other.removeprefix(SELF), []).append(
                    f"conflicts with {problem.path}: {problem.message}")
        if errors:
            raise ValidationError(errors)
