"""What an investigator signs: the casebook's content and every item still outstanding in it
(pending DLT decisions, open or answered queries, forms not source-verified or changed since,
forms not locked, missing or overdue forms), each named as the site says it and linked to its
page. A fixed number of queries whatever the trial's size (one per kind of form, and a few)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import dateformat

from casebook import crfs
from casebook.crf_views import record_url
from casebook.monitoring_views import query_row, related_of
from casebook.record_labels import AE_PARENT, DATE_FORMAT, record_label
from casebook.visits import OVERDUE, patient_schedule
from dosing.models import Infusion, Lymphodepletion
from monitoring.reviews import casebook_lock_of
from monitoring.selectors import form_reviews_of, with_records
from monitoring.selectors import query_list as queries_of
from patients.models import EligibilityAssessment
from safety.models import AdverseEvent, DltAdjudication, DltCandidate

PENDING_DLT, OPEN_QUERY, NOT_VERIFIED, CHANGED, NOT_LOCKED, MISSING = (
    "DLT decision pending", "Query not closed", "Not source-verified",
    "Changed since source verification", "Not locked", "Missing or overdue")
KINDS = (PENDING_DLT, OPEN_QUERY, MISSING, NOT_VERIFIED, CHANGED, NOT_LOCKED)


@dataclass(frozen=True)
class Item:
    kind: str  # one of KINDS
    label: str  # what it is about, as the site names it
    link: str  # the page where it is resolved

    @property
    def text(self) -> str:
        """The line kept with a signature made while it was outstanding."""
        return f"{self.kind}: {self.label}"


def casebook_records(patient) -> list[tuple[crfs.Crf, object]]:
    """Every current record of the patient's CRFs, the patient's own first: one query per CRF."""
    found = []
    for crf in crfs.CRFS.values():
        records = crf.model.objects.filter(**crf.belongs_to(patient)).order_by("pk")
        if crf.parent == AE_PARENT:
            records = records.select_related(AE_PARENT)
        found += [(crf, record) for record in records]
    return found


def _pending_dlt(patient) -> list[Item]:
    events = (AdverseEvent.objects.filter(
        patient=patient, pk__in=DltCandidate.objects.values("adverse_event_id"))
        .exclude(pk__in=DltAdjudication.objects.values("adverse_event_id")).order_by("pk"))
    return [Item(PENDING_DLT, record_label(e), reverse("safety:review", args=[e.pk]))
            for e in events]


def _open_queries(patient) -> list[Item]:
    rows = [query_row(q) for q in with_records(
        queries_of(show="outstanding", patient=patient), related=related_of)]
    return [Item(OPEN_QUERY, f"{r['record_label']}"
                 f"{' · ' + r['field_label'] if r['field_label'] else ''} "
                 f"({r['query'].get_status_display().lower()}): {r['query'].question}", r["link"])
            for r in rows]


def _reviews(patient, records) -> list[Item]:
    """Forms not verified (or changed since), and forms not locked unless the whole casebook
    is: one query for the reviews, one for the casebook lock."""
    reviews = form_reviews_of(patient)
    lock = casebook_lock_of(patient)
    casebook_locked = lock is not None and lock.is_locked
    items = []
    for crf, record in records:
        review = reviews.get((record._meta.label_lower, record.pk))
        link, label = record_url(crf, record, patient), record_label(record)
        state = review.verification_of(record) if review else "not verified"
        if state == "not verified":
            items.append(Item(NOT_VERIFIED, label, link + "#review"))
        elif state == "changed since verification":
            items.append(Item(CHANGED, label, link + "#review"))
        if not casebook_locked and not (review and review.is_locked):
            items.append(Item(NOT_LOCKED, label, link + "#review"))
    return items


def _day(on) -> str:
    return dateformat.format(on, DATE_FORMAT)


def _missing(patient, records, today) -> list[Item]:
    """Forms the protocol owes by now: eligibility once enrolled, lymphodepletion once infused,
    and each response visit, PK sample, RCL test and long-term follow-up visit whose window has
    closed (late or missed, per `patients.schedule`). Six queries (the schedule's)."""
    casebook = reverse("patients:casebook", args=[patient.subject_id])
    kinds = {type(record) for _, record in records}
    items = []
    if patient.enrollment_date and EligibilityAssessment not in kinds:
        items.append(Item(MISSING, "Eligibility (patient enrolled)", casebook))
    if Infusion in kinds and Lymphodepletion not in kinds:
        items.append(Item(MISSING, "Lymphodepletion (patient infused)", casebook))
    schedule = patient_schedule(patient, as_of=today)
    for statuses, name in ((schedule.visits, "{} response assessment"),
                           (schedule.pk_samples, "PK sample day {}"),
                           (schedule.rcl_tests, "{} RCL test"),
                           (schedule.ltfu, "{} long-term follow-up visit")):
        items += [Item(MISSING, f"{name.format(s.visit)}: {s.status} (window "
                       f"{_day(s.due_from)} – {_day(s.due_to)})", casebook + "#schedule")
                  for s in statuses if s.status in OVERDUE]
    return items


def outstanding_items(patient, *, today) -> list[Item]:
    """Every outstanding item of the casebook, by kind (KINDS' order), then as found."""
    records = casebook_records(patient)
    items = (_pending_dlt(patient) + _open_queries(patient) + _missing(patient, records, today)
             + _reviews(patient, records))
    return sorted(items, key=lambda item: KINDS.index(item.kind))


def grouped(items: list[Item]) -> list[tuple[str, list[Item]]]:
    """(kind, items) for the kinds that have any, in KINDS' order."""
    return [(kind, [i for i in items if i.kind == kind]) for kind in KINDS
            if any(i.kind == kind for i in items)]
