"""Reads of data queries for the pages, each in one query."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count

from monitoring.models import OUTSTANDING, CasebookLock, DataQuery, FormReview, QueryStatus


def open_query_counts(patient_ids) -> dict[int, int]:
    """{patient id: queries awaiting an answer or a close} for the patient list."""
    rows = (DataQuery.objects.filter(patient_id__in=patient_ids, status__in=OUTSTANDING)
            .values_list("patient_id").annotate(n=Count("pk")))
    return dict(rows)


def record_queries(record) -> list[DataQuery]:
    """Every query on one record, oldest first, with who raised and answered it."""
    return list(DataQuery.objects.filter(
        record_type=ContentType.objects.get_for_model(record), record_id=record.pk,
    ).select_related("raised_by", "answered_by", "closed_by"))


def beside_fields(queries) -> dict[str, list[DataQuery]]:
    """The outstanding (open or answered) queries among `queries`, by the field they are about
    ("" for the whole record), to show beside that field."""
    by_field: dict[str, list[DataQuery]] = {}
    for query in queries:
        if query.status in OUTSTANDING:
            by_field.setdefault(query.field_name, []).append(query)
    return by_field


def outstanding_queries(*, awaiting: str):
    """The work list: queries awaiting the site's answer ("open") or the monitor ("answered")."""
    status = QueryStatus.OPEN if awaiting == "site" else QueryStatus.ANSWERED
    return (DataQuery.objects.filter(status=status)
            .select_related("patient", "record_type", "raised_by").order_by("created_at"))


# The filters of the query list, by their value in the URL: "outstanding" (open or answered, the
# default), one status, or every query.
QUERY_FILTERS = {"outstanding": OUTSTANDING, **{s.value: (s,) for s in QueryStatus},
                 "all": tuple(QueryStatus)}


def query_list(*, show: str = "outstanding", patient=None, record_querysets=()):
    """The query work list, oldest first, with its patient, its people and its record.

    `record_querysets` (one per record model, e.g. with the adverse event of its details
    selected) say how to read the records: one query per kind of record on the page, whatever
    the trial's size."""
    queries = DataQuery.objects.filter(status__in=QUERY_FILTERS[show])
    if patient is not None:
        queries = queries.filter(patient=patient)
    return (queries.select_related("patient", "record_type", "raised_by", "answered_by",
                                   "closed_by")
            .prefetch_related(GenericPrefetch("record", list(record_querysets)))
            .order_by("created_at", "id"))


def casebook_lock_trail(patient) -> list:
    """Every lock and unlock of the patient's casebook, newest first, with who and why: one
    query (the lock's own audit trail)."""
    return list(CasebookLock.history.filter(patient_id=patient.pk)
                .select_related("history_user").order_by("-history_date", "-history_id"))


def form_reviews_of(patient) -> dict[tuple[int, int], FormReview]:
    """{(content type id, record id): review} of every verified or locked record of the
    patient: one query."""
    return {(r.record_type_id, r.record_id): r
            for r in FormReview.objects.filter(patient=patient)}
