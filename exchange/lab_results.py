"""PK results posted in bulk by the central lab: validated whole, then written all or nothing.

A batch is a list of samples, each a casebook bundle's `pk_samples[]` object (docs/spec/contract.md
§3) plus the patient's `subject_id`. It is read with the casebook import's own reader, so the types,
vocabularies, model rules and date-order rules are the very same and the messages are word for word
those of the import, with a path per row (`pk_samples[3].collected_at: …`). On top of them, the PK
sample's edit checks (`pk.edit_checks`, docs/edit-checks.md) as the form applies them: a sample
already recorded (same patient, matrix and collection time; EC-PK-01, hard) is refused, so a batch
sent twice is not stored twice (a correction is an edit of the CRF, with its reason); a sample
outside its window (EC-PK-02, soft) is refused unless the row confirms it with a reason,
`"confirmed_checks": {"EC-PK-02": "reason"}`, kept in the audit trail and raised to the monitor as
a system query.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import models, transaction

from core import edit_checks
from core.audit import LockedRecordError, check_writable, record_save
from core.date_order import Timeline, timeline_problems
from efficacy.models import Death
from exchange import spec
from exchange.read import MISSING, BundleProblems, Reader, _kind
from patients.models import Patient
from pk.models import PkSample

LAB_RESULTS_REASON = "central lab results"
MAX_SAMPLES_PER_BATCH = 1000
ROOT = "pk_samples"
CONFIRMED_CHECKS = "confirmed_checks"


@dataclass(frozen=True)
class BulkPost:
    """What a central lab posts in bulk: rows of one bundle part (plus `subject_id` and
    `confirmed_checks`) under the bundle key `root`, a row called a `noun` in messages, and the
    fields that make two rows the same record (`same`: the record's values → a key)."""

    part: spec.Part
    root: str
    noun: str
    same: Callable[[models.Model], tuple]

    @property
    def keys(self) -> tuple[str, ...]:
        return ("subject_id", *self.part.keys, CONFIRMED_CHECKS)


PK_POST = BulkPost(spec.PK_SAMPLE, ROOT, "sample",
                   lambda s: (s.patient_id, s.matrix, s.collected_at))


def pk_samples_record_lab_results(*, rows, by, today: date,
                                  reason: str = LAB_RESULTS_REASON) -> list[PkSample]:
    """Validate every row, then save them all through the audit trail; raises BundleProblems."""
    return bulk_record(PK_POST, rows=rows, by=by, today=today, reason=reason)


def pk_lab_results_read(rows, *, today: date) -> list[PkSample]:
    """The batch as unsaved samples, or BundleProblems listing every problem with its path."""
    return bulk_read(PK_POST, rows, today=today)


def bulk_record(post: BulkPost, *, rows, by, today: date, reason: str = LAB_RESULTS_REASON
                ) -> list[models.Model]:
    """Validate every row of `post`, then save them all through the audit trail, all or
    nothing; raises BundleProblems."""
    samples = bulk_read(post, rows, today=today)
    with transaction.atomic():
        for i, sample in enumerate(samples):
            try:
                # Already validated above with the model's rules (Reader.validate).
                record_save(sample, by=by, reason=reason, validate=False,
                            confirmations=rows[i].get(CONFIRMED_CHECKS) or {})
            except LockedRecordError as locked:  # locked since the batch was read
                raise BundleProblems([
                    f"{post.root}[{i}].subject_id: {' '.join(locked.messages)}"]) from locked
    return samples


def _check_batch(r: Reader, post: BulkPost, rows) -> None:
    nouns = f"{post.noun}s"
    if not isinstance(rows, list):
        r.problem(post.root, f"expected a list of {nouns}, got {_kind(rows)}")
    elif not rows:
        r.problem(post.root, f"at least one {post.noun} is required")
    elif len(rows) > MAX_SAMPLES_PER_BATCH:
        r.problem(post.root, f"{len(rows)} {nouns}: at most {MAX_SAMPLES_PER_BATCH} per request")
    if r.problems:
        raise BundleProblems(r.problems)


def bulk_read(post: BulkPost, rows, *, today: date) -> list[models.Model]:
    """The batch as unsaved records, or BundleProblems listing every problem with its path."""
    r = Reader(today)
    _check_batch(r, post, rows)
    patients = _patients_named_in(rows)
    read: list[tuple[str, models.Model, bool]] = []
    confirmed: list[dict] = []
    first_seen: dict[tuple, int] = {}
    for i, row in enumerate(rows):
        path = f"{post.root}[{i}]"
        before = len(r.problems)
        if r.obj(row, path, post.keys) is None:
            continue
        patient = _patient(r, row.get("subject_id", MISSING), f"{path}.subject_id", patients)
        values = r.values(post.part, row, path)
        if patient is None or values is None:
            continue
        sample = post.part.model(patient=patient, **values)
        r.validate(post.part, sample, path, exclude=["patient"])
        key = post.same(sample)
        confirmations = _confirmations(r, row.get(CONFIRMED_CHECKS), f"{path}.{CONFIRMED_CHECKS}")
        if key in first_seen:
            r.problem(f"{path}.collected_at",
                      f"the same {post.noun} as {post.root}[{first_seen[key]}]")
        first_seen.setdefault(key, i)
        read.append((path, sample, len(r.problems) == before))
        confirmed.append(confirmations)
    # As the import does, dates are put in order only for rows that are otherwise sound, and
    # the edit checks run on rows whose dates are in order.
    sound = [(path, sample) for path, sample, ok in read if ok]
    _check_timelines(r, sound, today)
    in_order = {path for path, _s in sound} - {p.split(".", 1)[0] for p in r.problems}
    for (path, sample, _ok), confirmations in zip(read, confirmed, strict=True):
        if path in in_order:
            _check_edits(r, sample, path, confirmations)
    _check_locks(r, [(path, sample) for path, sample, _sound in read])
    if r.problems:
        raise BundleProblems(r.problems)
    return [sample for _path, sample, _sound in read]


def _confirmations(r: Reader, value, path: str) -> dict:
    """A row's `confirmed_checks`: an object of check id → reason (strings)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in value.items()):
        r.problem(path, f"expected an object of edit check id → reason, got {_kind(value)}")
        return {}
    return value


def _check_edits(r: Reader, sample: models.Model, path: str, confirmations: dict):
    """The record's edit checks against the patient's records: a hard one refused, a soft one
    refused unless the row confirms it with a reason."""
    fired = edit_checks.findings(sample)
    soft = [f for f in fired if f.check.kind == edit_checks.SOFT]
    for finding in fired:
        if finding.check.kind == edit_checks.HARD:
            r.problem(f"{path}.{finding.field}", finding.text())
    for finding in edit_checks.unconfirmed(soft, confirmations):
        r.problem(f"{path}.{finding.field}", (
            f"{finding.text()} Not stored: confirm it with "
            f"\"{CONFIRMED_CHECKS}\": {{\"{finding.id}\": \"reason\"}}"))


def _patients_named_in(rows: list) -> dict[str, Patient]:
    # A NUL cannot be in a subject ID, and PostgreSQL refuses it even in a query.
    subjects = {row["subject_id"] for row in rows
                if isinstance(row, dict) and isinstance(row.get("subject_id"), str)
                and "\x00" not in row["subject_id"]}
    return {p.subject_id: p for p in Patient.objects.filter(subject_id__in=subjects)}


def _patient(r: Reader, subject_id, path: str, patients: dict) -> Patient | None:
    if subject_id is MISSING or subject_id is None:
        r.problem(path, "required")
    elif not isinstance(subject_id, str):
        r.problem(path, f"{subject_id!r} is not a string")
    elif subject_id not in patients:
        r.problem(path, f"{subject_id!r} is not a patient of this trial")
    else:
        return patients[subject_id]
    return None


def _check_timelines(r: Reader, read: list[tuple[str, models.Model]], today: date):
    """The import's date-order rules: nothing after death, nothing after today."""
    deaths = dict(Death.objects.filter(patient_id__in={s.patient_id for _p, s in read})
                  .values_list("patient_id", "date"))
    by_patient: dict[int, list] = {}
    for path, sample in read:
        by_patient.setdefault(sample.patient_id, []).append(
            (f"{path}.collected_at", sample.collected_at.date()))
    for patient_id, dated in by_patient.items():
        timeline = Timeline(death_date=deaths.get(patient_id), clinical_dates=tuple(dated),
                            today=today)
        for problem in timeline_problems(timeline, death_path="the patient's death date"):
            r.problem(problem.path, problem.message)


def _check_locks(r: Reader, read: list[tuple[str, models.Model]]):
    """A sample for a locked casebook is refused, naming the lock (who, when): the audit
    trail's own write check, asked once per patient of the batch."""
    locks: dict[int, str] = {}
    for path, sample in read:
        if sample.patient_id not in locks:
            locks[sample.patient_id] = _lock_of(sample)
        if locks[sample.patient_id]:
            r.problem(f"{path}.subject_id", locks[sample.patient_id])


def _lock_of(sample: models.Model) -> str:
    """What locks the sample's casebook, or "" when it may be written."""
    try:
        check_writable(sample)
    except LockedRecordError as locked:
        return " ".join(locked.messages)
    return ""
