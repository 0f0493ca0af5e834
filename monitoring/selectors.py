"""Reads of data queries for the pages, each in one query."""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
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


def query_list(*, show: str = "outstanding", patient=None):
    """The query work list, oldest first, with its patient and its people (read the records
    of a page of it with `with_records`)."""
    # A voided patient (enrolled in error) is out of the trial, its pages with it.
    queries = DataQuery.objects.filter(status__in=QUERY_FILTERS[show],
                                       patient__voided_at__isnull=True)
    if patient is not None:
        queries = queries.filter(patient=patient)
    return (queries.select_related("patient", "record_type", "raised_by", "answered_by",
                                   "closed_by")
            .order_by("created_at", "id"))


def with_records(queries, *, related=lambda model: ()) -> list[DataQuery]:
    """`queries`, each with its record as `record_read` (None if gone), voided ones included:
    one query per kind of record among them, `related(model)` selected with it (e.g. the
    adverse event of its details). Not the generic relation's prefetch: that looks up the
    content type of every model it is given, a query each while the cache is cold."""
    queries = list(queries)
    wanted = defaultdict(set)
    for query in queries:
        wanted[query.record_type.model_class()].add(query.record_id)
    found = {}
    for model, ids in wanted.items():
        if model is None:  # a model since removed
            continue
        manager = getattr(model, "all_objects", model._base_manager)
        for record in manager.filter(pk__in=ids).select_related(*related(model)):
            found[model, record.pk] = record
    for query in queries:
        query.record_read = found.get((query.record_type.model_class(), query.record_id))
    return queries


def casebook_lock_trail(patient) -> list:
    """Every lock and unlock of the patient's casebook, newest first, with who and why: one
    query (the lock's own audit trail)."""
    return list(CasebookLock.history.filter(patient_id=patient.pk)
                .select_related("history_user").order_by("-history_date", "-history_id"))


def form_reviews_of(patient) -> dict[tuple[str, int], FormReview]:
    """{(model label, record id): review} of every verified or locked record of the patient,
    the label as `record._meta.label_lower` gives it: one query, content types included (no
    content type cache to warm, so the same number of queries on every call)."""
    return {(f"{r.record_type.app_label}.{r.record_type.model}", r.record_id): r
            for r in FormReview.objects.filter(patient=patient).select_related("record_type")}
