"""Reading a casebook bundle: every problem found, with its JSON path, before anything is written.

`read_bundle` checks the shape (unknown keys, missing keys, JSON types, vocabularies), builds
unsaved model instances and validates them with the models' own rules (`full_clean`: the field
validators and each model's `clean()`, the very rules the forms and the API apply), then checks
what spans records: the date order of each patient's timeline (`core.date_order`, the same
function the forms use), duplicate subject IDs and infusion numbers, and dose levels.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper

from core import edit_checks
from core.date_order import Timeline, timeline_problems
from core.models import Study
from core.subject_ids import pattern_problem
from dosing.models import Donor, DoseLevel, ProductLot
from exchange import spec
from patients.models import Patient

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MISSING = object()


@dataclass
class PatientPlan:
    patient: Patient
    singles: dict = field(default_factory=dict)          # key → instance
    lists: dict = field(default_factory=dict)            # key → [instance]
    ae_details: list = field(default_factory=list)       # (key, instance)
    ae_by_index: dict = field(default_factory=dict)      # index in adverse_events → AE or None
    adjudications: list = field(default_factory=list)    # (adverse event, decision)
    soft_findings: list = field(default_factory=list)    # (instance, edit_checks.Finding)


@dataclass
class Plan:
    study: dict
    dose_levels: list[dict]
    patients: list[PatientPlan]
    soft_checks_reason: str = ""  # confirms every soft edit check the bundle breaks
    donors: list = field(default_factory=list)  # unsaved Donor rows of study.donors
    lots: list = field(default_factory=list)    # unsaved ProductLot rows of study.product_lots


class BundleProblems(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the casebook bundle")


def _kind(value) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object", type(None): "null"}.get(type(value), "a value")


class Reader:
    def __init__(self, today: date):
        self.today = today
        self.problems: list[str] = []
        self.confirm_soft_checks = ""
        self.dose_levels: dict = {}
        self.donors: dict = {}  # code → Donor: the bundle's (unsaved), else this database's
        self.lots: dict = {}    # lot number → ProductLot: the bundle's, else this database's
        self.bundle_lots: list = []  # (path, lot) of study.product_lots

    def problem(self, path: str, message: str):
        self.problems.append(f"{path}: {message}")

    # --- shape ------------------------------------------------------------------------------
    def obj(self, value, path: str, allowed) -> dict | None:
        if not isinstance(value, dict):
            self.problem(path, f"expected an object, got {_kind(value)}")
            return None
        for key in value:
            if key not in allowed:
                self.problem(f"{path}.{key}", f"unknown key (allowed: {', '.join(allowed)})")
        return value

    def list_of(self, value, path: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"expected a list, got {_kind(value)}")
            return []
        return value

    def convert(self, f: models.Field, value, path: str):
        """A JSON value as the field's Python value, or MISSING after recording a problem."""
        if isinstance(f, models.BooleanField):
            if isinstance(value, bool):
                return value
            return self._wrong(path, value, "true or false")
        if isinstance(f, models.IntegerField):
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            return self._wrong(path, value, "a whole number")
        if isinstance(f, models.FloatField):
            if isinstance(value, int | float) and not isinstance(value, bool):
                if math.isfinite(value):
                    return float(value)
            return self._wrong(path, value, "a finite number")
        if isinstance(f, models.DateTimeField):
            return self._datetime(value, path)
        if isinstance(f, models.DateField):
            if isinstance(value, str) and DATE_PATTERN.match(value):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    pass
            return self._wrong(path, value, "a date YYYY-MM-DD")
        if isinstance(f, models.TimeField):
            if isinstance(value, str):
                try:
                    return time.fromisoformat(value)
                except ValueError:
                    pass
            return self._wrong(path, value, "a time HH:MM[:SS]")
        if not isinstance(value, str):
            return self._wrong(path, value, "a string")
        if "\x00" in value:  # PostgreSQL cannot store it; Django's forms refuse it too
            self.problem(path, f"{value!r} contains a NUL character (\\x00), which cannot be "
                               "stored")
            return MISSING
        if f.choices and value not in dict(f.flatchoices):
            allowed = "|".join(str(c) for c, _ in f.flatchoices)
            self.problem(path, f"{value!r} is not one of {allowed}")
            return MISSING
        return value

    def _datetime(self, value, path):
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is not None:
                return parsed
        return self._wrong(path, value, "a date-time in ISO 8601 with an offset or Z")

    def _wrong(self, path, value, expected):
        self.problem(path, f"{value!r} is not {expected}")
        return MISSING

    def values(self, part: spec.Part, data: dict, path: str, *, skip=()) -> dict | None:
        """Model field values for the keys of `part` in `data` (unknown keys already reported)."""
        out, ok = {}, True
        for key, field_name in part.keys.items():
            if key in skip:
                continue
            f = part.model_field(key)
            value = data.get(key, MISSING)
            if value is MISSING or value is None:
                if part.is_required(key):
                    self.problem(f"{path}.{key}", "required")
                    ok = False
                elif not f.null and f.has_default():
                    out[field_name] = f.get_default()
                elif not f.null:
                    out[field_name] = ""
                else:
                    out[field_name] = None
                continue
            converted = self.convert(f, value, f"{path}.{key}")
            if converted is MISSING:
                ok = False
            else:
                out[field_name] = converted
        return out if ok else None

    def validate(self, part: spec.Part, instance: models.Model, path: str, exclude=()):
        """The model's own rules: field validators and `clean()`."""
        instance.timeline_checked_by_caller = True
        try:
            instance.full_clean(exclude=list(exclude), validate_unique=False,
                                validate_constraints=False)
        except ValidationError as error:
            by_field = {name: key for key, name in part.keys.items()}
            for name, messages in error.message_dict.items():
                where = f"{path}.{by_field[name]}" if name in by_field else path
                for message in messages:
                    self.problem(where, message)


def read_bundle(data, *, today: date, replacing: bool, confirm_soft_checks: str = "") -> Plan:
    """The bundle as a plan of unsaved records; raises BundleProblems listing every problem.

    The edit checks (`core.edit_checks`) run on each patient's records as the forms run them: a
    hard one is a problem; a soft one is a problem too unless `confirm_soft_checks` gives the
    reason that confirms every soft finding of the bundle (each then opens a system query)."""
    r = Reader(today)
    r.confirm_soft_checks = confirm_soft_checks
    if r.obj(data, "bundle", spec.TOP_KEYS) is None:
        raise BundleProblems(r.problems)
    if data.get("format") != spec.FORMAT:
        r.problem("format", f"{data.get('format')!r} is not {spec.FORMAT!r}")
    if data.get("version") != spec.VERSION:
        r.problem("version", f"{data.get('version')!r} is not a supported version (1)")
    study, levels = _read_study(r, data.get("study"), replacing)
    _read_product(r, data.get("study"))
    level_codes = {level["code"] for level in levels}
    r.dose_levels = {level["code"]: DoseLevel(**level) for level in levels}
    pattern = _subject_id_pattern(study)
    patients = []
    seen_subjects: dict[str, tuple[int, str]] = {}  # the ID in capitals → (index, ID)
    for i, raw in enumerate(r.list_of(data.get("patients"), "patients")):
        plan = _read_patient(r, raw, f"patients[{i}]", level_codes, pattern)
        if plan is None:
            continue
        subject = plan.patient.subject_id
        if subject.upper() in seen_subjects:
            first, first_subject = seen_subjects[subject.upper()]
            r.problem(f"patients[{i}].subject_id",
                      f"{subject!r} is already the subject ID of patients[{first}]"
                      + _case_note(subject, first_subject))
        seen_subjects.setdefault(subject.upper(), (i, subject))
        patients.append(plan)
    if not replacing:
        taken = (Patient.objects.annotate(upper=Upper("subject_id"))
                 .filter(upper__in=list(seen_subjects)).values_list("upper", "subject_id"))
        for upper, stored in sorted(taken):
            i, subject = seen_subjects[upper]
            r.problem(f"patients[{i}].subject_id",
                      f"{subject!r} is already in this database{_case_note(subject, stored)} "
                      "(import with --replace to replace the trial's data)")
    _check_lot_patients(r, seen_subjects, replacing)
    if r.problems:
        raise BundleProblems(r.problems)
    return Plan(study=study, dose_levels=levels, patients=patients,
                soft_checks_reason=confirm_soft_checks.strip(),
                donors=[d for d in r.donors.values() if d.pk is None],
                lots=[lot for _path, lot in r.bundle_lots])


def _case_note(subject: str, other: str) -> str:
    if subject == other:
        return ""
    return f" as {other!r} (subject IDs are compared regardless of case)"


def _subject_id_pattern(study: dict) -> str:
    """The pattern the bundle's patients are checked against: the one the import will store
    (the bundle's, or the default it stands for), or this database's while that is invalid."""
    pattern = study.get("subject_id_pattern")
    if pattern is None or pattern_problem(pattern):
        return Study.load().subject_id_pattern
    return pattern


def _read_study(r: Reader, raw, replacing: bool) -> tuple[dict, list[dict]]:
    allowed = (*spec.STUDY.keys, *spec.STUDY_LISTS)
    if r.obj(raw, "study", allowed) is None:
        return {}, []
    values = r.values(spec.STUDY, raw, "study") or {}
    if values:
        r.validate(spec.STUDY, Study(pk=1, **values), "study")
    levels = []
    raw_levels = r.list_of(raw.get("dose_levels"), "study.dose_levels")
    if not raw_levels:
        r.problem("study.dose_levels", "at least one dose level is required")
    for i, item in enumerate(raw_levels):
        path = f"study.dose_levels[{i}]"
        if r.obj(item, path, tuple(spec.DOSE_LEVEL.keys)) is None:
            continue
        level = r.values(spec.DOSE_LEVEL, item, path)
        if level is None:
            continue
        level["rank"] = i + 1
        if level["code"] in {existing["code"] for existing in levels}:
            r.problem(f"{path}.code", f"{level['code']!r} is listed twice")
            continue
        r.validate(spec.DOSE_LEVEL, DoseLevel(**level), path)
        levels.append(level)
    if not replacing and levels:
        _compare_with_database(r, values, levels)
    return values, levels


def _read_product(r: Reader, raw):
    """study.donors and study.product_lots (optional): the lots an infusion's `product_lot` is
    linked to. A lot number known to this database and absent from the bundle links too."""
    r.donors = {d.donor_code: d for d in Donor.objects.all()}
    r.lots = {lot.lot_number: lot
              for lot in ProductLot.objects.select_related("donor", "released_for")}
    if not isinstance(raw, dict):
        return
    bundle_donors: set[str] = set()
    for i, item in enumerate(r.list_of(raw.get("donors"), "study.donors")):
        donor = _record(r, spec.DONOR, item, f"study.donors[{i}]")
        if donor is not None and _first_time(r, bundle_donors, donor.donor_code,
                                             f"study.donors[{i}].donor_code"):
            r.donors[donor.donor_code] = donor
    bundle_lots: set[str] = set()
    for i, item in enumerate(r.list_of(raw.get("product_lots"), "study.product_lots")):
        path = f"study.product_lots[{i}]"
        if r.obj(item, path, (*spec.PRODUCT_LOT.keys, *spec.LOT_LINKS)) is None:
            continue
        values = r.values(spec.PRODUCT_LOT, item, path)
        if values is None:
            continue
        lot = ProductLot(**values)
        if not _lot_links(r, lot, item, path):
            continue
        r.validate(spec.PRODUCT_LOT, lot, path, exclude=spec.LOT_LINKS)
        if _first_time(r, bundle_lots, lot.lot_number, f"{path}.lot_number"):
            r.lots[lot.lot_number] = lot
            r.bundle_lots.append((path, lot))


def _first_time(r: Reader, seen: set, code: str, path: str) -> bool:
    if code in seen:
        r.problem(path, f"{code!r} is listed twice")
        return False
    seen.add(code)
    return True


def _lot_links(r: Reader, lot, item: dict, path: str) -> bool:
    """The lot's donor (by code) and the patient it is released for (by subject ID; a stand-in
    patient until the import writes, `_check_lot_patients`)."""
    code = item.get("donor")
    if not isinstance(code, str) or code not in r.donors:
        r.problem(f"{path}.donor", f"{code!r} is not a donor of study.donors or this database")
        return False
    lot.donor = r.donors[code]
    subject = item.get("released_for")
    if subject is not None and not isinstance(subject, str):
        r.problem(f"{path}.released_for", f"{subject!r} is not a subject ID")
        return False
    lot.released_for = Patient(subject_id=subject) if subject else None
    return True


def _check_lot_patients(r: Reader, seen_subjects: dict, replacing: bool):
    """A lot is released for a patient of the bundle (or, adding to a trial, this database)."""
    stored = set() if replacing else {s.upper() for s in Patient.objects.values_list(
        "subject_id", flat=True)}
    for path, lot in r.bundle_lots:
        subject = lot.released_for.subject_id if lot.released_for is not None else None
        if subject and subject.upper() not in seen_subjects and subject.upper() not in stored:
            r.problem(f"{path}.released_for", f"{subject!r} is not a patient of the bundle"
                                              + ("" if replacing else " or this database"))


def _compare_with_database(r: Reader, study: dict, levels: list[dict]):
    """Without --replace, a bundle adds patients to this trial: its protocol must be this one."""
    stored = {lv.code: lv for lv in DoseLevel.objects.all()}
    for i, level in enumerate(levels):
        known = stored.get(level["code"])
        if known and (known.cells_per_kg, known.total_cells) != (level["cells_per_kg"],
                                                                  level["total_cells"]):
            r.problem(f"study.dose_levels[{i}]", (
                f"{level['code']} is defined differently in this database "
                f"({known}); import with --replace to change the protocol's dose levels"))
    current = Study.objects.filter(pk=1).first()
    if current and study.get("protocol_id") and current.protocol_id != study["protocol_id"]:
        r.problem("study.protocol_id", (
            f"{study['protocol_id']!r} is not this database's protocol "
            f"{current.protocol_id!r}; import with --replace to replace the trial"))


def _read_patient(r: Reader, raw, path: str, level_codes: set[str],
                  subject_id_pattern: str) -> PatientPlan | None:
    allowed = (*spec.PATIENT.keys, *spec.PATIENT_SINGLES, *spec.PATIENT_LISTS,
               *spec.PATIENT_EXTRA_KEYS)
    if r.obj(raw, path, allowed) is None:
        return None
    before = len(r.problems)
    values = r.values(spec.PATIENT, raw, path)
    off_study = raw.get("off_study")
    if off_study is not None and r.obj(off_study, f"{path}.off_study", tuple(spec.OFF_STUDY.keys)):
        extra = r.values(spec.OFF_STUDY, off_study, f"{path}.off_study")
        if values is not None and extra is not None:
            values.update(extra)
    if values is None:
        return None
    patient = Patient(**values)
    patient.subject_id_pattern = subject_id_pattern  # read once for the whole bundle
    r.validate(spec.PATIENT, patient, path)
    plan = PatientPlan(patient)
    for key, part in spec.PATIENT_SINGLES.items():
        item = raw.get(key)
        if item is not None:
            record = _record(r, part, item, f"{path}.{key}", patient=patient)
            if record is not None:
                plan.singles[key] = record
    for key, part in spec.PATIENT_LISTS.items():
        items = r.list_of(raw.get(key), f"{path}.{key}")
        plan.lists[key] = []
        for j, item in enumerate(items):
            item_path = f"{path}.{key}[{j}]"
            record = _list_record(r, key, part, item, item_path, patient, level_codes, plan)
            if key == "adverse_events":
                plan.ae_by_index[j] = record
            if record is not None:
                plan.lists[key].append(record)
    _read_last_known_alive(r, raw, path, plan)
    _link_deviation_records(r, path, plan)
    _check_infusion_numbers(r, path, plan)
    if len(r.problems) == before:
        _check_timeline(r, path, raw, plan)
    if len(r.problems) == before:
        _check_edits(r, path, plan)
    return plan


def _record(r: Reader, part: spec.Part, item, path: str, *, skip=(), extra_keys=(), **links):
    if r.obj(item, path, (*part.keys, *extra_keys)) is None:
        return None
    values = r.values(part, item, path, skip=skip)
    if values is None:
        return None
    record = part.model(**values, **links)
    r.validate(part, record, path, exclude=[*links, *skip])
    return record


def _list_record(r, key, part, item, path, patient, level_codes, plan):
    if key == "protocol_deviations":
        record = _record(r, part, item, path, extra_keys=(spec.DEVIATION_RECORD_KEY,),
                         patient=patient)
        if record is not None:
            record.bundle_record_ref = item.get(spec.DEVIATION_RECORD_KEY)
        return record
    if key == "infusions":
        code = item.get("dose_level") if isinstance(item, dict) else None
        record = _record(r, part, item, path, skip=("dose_level",), patient=patient)
        if code is None:
            r.problem(f"{path}.dose_level", "required")
        elif not isinstance(code, str) or code not in level_codes:  # a list is not hashable
            r.problem(f"{path}.dose_level", (
                f"{code!r} is not in study.dose_levels ({', '.join(sorted(level_codes))})"))
        elif record is not None:
            record.dose_level_code = code
        if record is not None and record.product_lot in r.lots:
            record.lot = r.lots[record.product_lot]  # the infusion's lot, when registered
        return record
    if key == "adverse_events":
        record = _record(r, part, item, path, extra_keys=(*spec.AE_DETAILS, "dlt_adjudication"),
                         patient=patient)
        if record is None:
            return None
        for detail_key, detail_part in spec.AE_DETAILS.items():
            detail = item.get(detail_key)
            if detail is not None:
                made = _record(r, detail_part, detail, f"{path}.{detail_key}",
                               adverse_event=record)
                if made is not None:
                    plan.ae_details.append((detail_key, made))
        decision = item.get("dlt_adjudication")
        if decision not in spec.DLT_ADJUDICATION_VALUES:
            r.problem(f"{path}.dlt_adjudication", f"{decision!r} is not one of "
                                                  "null|confirmed|rejected")
        elif decision is not None:
            plan.adjudications.append((record, decision))
        return record
    if key == "concomitant_medications":
        record = _record(r, part, item, path, extra_keys=(spec.TREATED_EVENT_KEY,),
                         patient=patient)
        if record is not None:
            record.treated_event = _treated_event(r, item, f"{path}.{spec.TREATED_EVENT_KEY}",
                                                  plan)
        return record
    return _record(r, part, item, path, patient=patient)


def _treated_event(r: Reader, item: dict, path: str, plan: PatientPlan):
    """The adverse event a medication names by its index in the patient's `adverse_events`."""
    index = item.get(spec.TREATED_EVENT_KEY)
    if index is None:
        return None
    if not isinstance(index, int) or isinstance(index, bool) or index not in plan.ae_by_index:
        r.problem(path, f"{index!r} is not the index of one of this patient's adverse_events "
                        f"(0 to {len(plan.ae_by_index) - 1})" if plan.ae_by_index else
                  f"{index!r}: this patient has no adverse_events to link to")
        return None
    return plan.ae_by_index[index]  # None when the event itself is refused (a problem already)


def _read_last_known_alive(r: Reader, raw, path: str, plan: PatientPlan):
    value = raw.get("last_known_alive_date")
    if value is None:
        return
    contact_date = r.convert(spec.CONTACT.model_field("date"), value,
                             f"{path}.last_known_alive_date")
    if contact_date is MISSING:
        return
    contacts = plan.lists["follow_up_contacts"]
    if contact_date not in {c.contact_date for c in contacts}:
        contacts.append(spec.CONTACT.model(patient=plan.patient, contact_date=contact_date,
                                           method="records"))


_REF = re.compile(r"^([a-z_]+)(?:\[([0-9]+)\])?$")


def _referenced(plan: PatientPlan, ref: str):
    """The patient's record a deviation names by its path ("eligibility",
    "response_assessments[1]"), or None."""
    match = _REF.match(ref)
    if match is None:
        return None
    key, index = match.group(1), match.group(2)
    if index is None:
        return plan.singles.get(key)
    records = plan.lists.get(key, [])
    return records[int(index)] if int(index) < len(records) else None


def _link_deviation_records(r: Reader, path: str, plan: PatientPlan):
    """Each deviation's `record` path made the record it names (`exchange.write` links them)."""
    for j, deviation in enumerate(plan.lists.get("protocol_deviations", [])):
        ref = deviation.bundle_record_ref
        deviation.bundle_record = None
        if ref is None:
            continue
        target = _referenced(plan, ref) if isinstance(ref, str) else None
        if target is None or target is deviation:
            r.problem(f"{path}.protocol_deviations[{j}].{spec.DEVIATION_RECORD_KEY}",
                      f"{ref!r} names no record of this patient (e.g. \"eligibility\", "
                      "\"response_assessments[0]\")")
        else:
            deviation.bundle_record = target


def _check_infusion_numbers(r: Reader, path: str, plan: PatientPlan):
    seen = set()
    for j, infusion in enumerate(plan.lists["infusions"]):
        if infusion.number in seen:
            r.problem(f"{path}.infusions[{j}].number", f"infusion {infusion.number} is listed "
                                                       "twice for this patient")
        seen.add(infusion.number)


def _check_timeline(r: Reader, path: str, raw: dict, plan: PatientPlan):
    """The forms' date-order rules (core.date_order), on the bundle's own records."""
    patient = plan.patient
    lymphodepletion = plan.singles.get("lymphodepletion")
    death = plan.singles.get("death")
    clinical = []
    for key, part in spec.PATIENT_LISTS.items():
        if key in spec.UNTIMED_LISTS:
            continue
        for j, record in enumerate(plan.lists[key]):
            for bundle_key, field_name in part.keys.items():
                value = getattr(record, field_name)
                if isinstance(value, datetime):
                    value = value.date()
                if isinstance(value, date):
                    clinical.append((f"{path}.{key}[{j}].{bundle_key}", value))
    for key in ("eligibility", "disease_at_screening", "hsct"):
        record = plan.singles.get(key)
        if record is not None:
            part = spec.PATIENT_SINGLES[key]
            date_key = next(k for k, f in part.keys.items() if f in ("assessed_on", "date"))
            clinical.append((f"{path}.{key}.{date_key}", getattr(record, part.keys[date_key])))
    timeline = Timeline(
        consent_date=patient.consent_date, enrollment_date=patient.enrollment_date,
        lymphodepletion_start=(f"{path}.lymphodepletion.start_date", lymphodepletion.start_date)
        if lymphodepletion else None,
        infusion_dates=tuple((f"{path}.infusions[{j}].date", inf.date)
                             for j, inf in enumerate(plan.lists["infusions"])),
        death_date=death.date if death else None,
        clinical_dates=tuple(clinical),
        off_study_date=(f"{path}.off_study.date", patient.off_study_date)
        if patient.off_study_date else None,
        today=r.today,
    )
    for problem in timeline_problems(timeline, consent_path=f"{path}.consent_date",
                                     enrollment_path=f"{path}.enrollment_date",
                                     death_path=f"{path}.death.date"):
        r.problem(problem.path, problem.message)


def _record_paths(path: str, plan: PatientPlan):
    """(record, its JSON path, its part) for every record of the patient checked at entry."""
    yield plan.patient, path, spec.PATIENT
    for key, record in plan.singles.items():
        yield record, f"{path}.{key}", spec.PATIENT_SINGLES[key]
    for key, records in plan.lists.items():
        for j, record in enumerate(records):
            yield record, f"{path}.{key}[{j}]", spec.PATIENT_LISTS[key]


def _check_edits(r: Reader, path: str, plan: PatientPlan):
    """The edit checks of `core.edit_checks` on the bundle's own records (in memory)."""
    everything = list(_record_paths(path, plan))
    in_memory: dict = {}
    for record, _path, _part in everything:
        in_memory.setdefault(type(record), []).append(record)
    for record, record_path, part in everything:
        if not edit_checks.checks_of(type(record)):
            continue
        records = edit_checks.PatientRecords(plan.patient, record, in_memory=in_memory,
                                             dose_levels=r.dose_levels)
        by_field = {name: key for key, name in part.keys.items()} | {"lot": "product_lot"}
        for finding in edit_checks.findings(record, records=records):
            where = f"{record_path}.{by_field.get(finding.field, finding.field)}"
            if finding.check.kind == edit_checks.HARD:
                r.problem(where, finding.text())
            elif not (r.confirm_soft_checks or "").strip():
                r.problem(where, f"{finding.text()} Not imported: confirm the bundle's soft "
                                 "checks with a reason (manage.py import_casebook "
                                 "--confirm-soft-checks REASON; API ?confirm_soft_checks=REASON)")
            else:
                plan.soft_findings.append((record, finding))
