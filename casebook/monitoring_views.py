"""A monitor's actions on a record: the query cycle, source-data verification, locks; the lock of
a whole casebook; and the open-query work list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casebook import crfs
from casebook.crf_views import record_url
from casebook.patient_views import page_number
from casebook.record_labels import AE_PARENT, field_label, record_label
from core.roles import ANSWER_QUERY, LOCK_FORM, RAISE_QUERY, VERIFY_SOURCE, VIEW_CRF
from monitoring import reviews, services
from monitoring.forms import (
    QueryAnswerForm,
    QueryCloseForm,
    QueryFilterForm,
    QueryRaiseForm,
    QueryReopenForm,
    field_choices,
)
from monitoring.models import DataQuery
from monitoring.selectors import query_list as queries_of
from monitoring.selectors import with_records
from patients.models import Patient


def _back_to_record(query):
    crf = crfs.crf_of_model(query.record_type.model_class())
    return redirect(record_url(crf, query.record, query.patient) + "#queries")


def _flash_invalid(request, form_or_error):
    errors = (form_or_error.messages if isinstance(form_or_error, ValidationError)
              else [e for errs in form_or_error.errors.values() for e in errs])
    messages.error(request, "Not saved: " + " ".join(errors))


@login_required
@permission_required(RAISE_QUERY, raise_exception=True)
@require_POST
def query_raise(request, subject_id, slug, pk):
    patient = get_object_or_404(Patient, subject_id=subject_id)
    crf = crfs.crf_or_404(slug)
    record = crfs.record_or_404(crf, patient, pk, include_voided=True)
    form = QueryRaiseForm(request.POST, field_choices=field_choices(crf.form))
    if form.is_valid():
        services.query_raise(record=record, patient=patient, by=request.user,
                             field_name=form.cleaned_data["field_name"],
                             question=form.cleaned_data["question"])
        messages.success(request, "Query raised.")
    else:
        _flash_invalid(request, form)
    return redirect(record_url(crf, record, patient) + "#queries")


def _step(request, pk, form_class, action):
    query = get_object_or_404(DataQuery.objects.select_related("patient", "record_type"), pk=pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        _flash_invalid(request, form)
        return _back_to_record(query)
    try:
        action(query, form.cleaned_data if form is not None else {})
    except ValidationError as refused:
        _flash_invalid(request, refused)
    else:
        messages.success(request, f"Query {query.status}.")
    return _back_to_record(query)


@login_required
@permission_required(ANSWER_QUERY, raise_exception=True)
@require_POST
def query_answer(request, pk):
    return _step(request, pk, QueryAnswerForm, lambda q, data: services.query_answer(
        query=q, answer=data["answer"], by=request.user))


@login_required
@permission_required(RAISE_QUERY, raise_exception=True)
@require_POST
def query_close(request, pk):
    return _step(request, pk, QueryCloseForm, lambda q, data: services.query_close(
        query=q, by=request.user, note=data["comment"]))


@login_required
@permission_required(RAISE_QUERY, raise_exception=True)
@require_POST
def query_reopen(request, pk):
    return _step(request, pk, QueryReopenForm, lambda q, data: services.query_reopen(
        query=q, reason=data["reason"], by=request.user))


QUERIES_PER_PAGE = 50


def related_of(model) -> tuple[str, ...]:
    """What names a record in the list: the adverse event of its details ("CRS details of …")."""
    crf = crfs.crf_of_model(model)
    return (AE_PARENT,) if crf is not None and crf.parent == AE_PARENT else ()


def query_row(query) -> dict:
    """One query as the list shows it: the record and field as the site names them, and the
    link that opens the record at that field."""
    model = query.record_type.model_class()
    crf, record = crfs.crf_of_model(model), query.record_read
    if crf is None or record is None:  # not a browser CRF: its casebook is the nearest page
        link = reverse("patients:casebook", args=[query.patient.subject_id])
        label = str(model._meta.verbose_name) if model else "record"
    else:
        anchor = f"#field-{query.field_name}" if query.field_name else "#queries"
        link, label = record_url(crf, record, query.patient) + anchor, record_label(record)
    return {"query": query, "record_label": label, "link": link,
            "field_label": field_label(model, query.field_name) if model else query.field_name}


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def query_list(request):
    """The work list: queries by status (outstanding by default) and patient, a page at a time,
    each leading to its record and field. Bad filters are said on the page (400), never a 500."""
    filters = QueryFilterForm(request.GET)
    if not filters.is_valid():
        errors = [e for errs in filters.errors.values() for e in errs]
        return render(request, "monitoring/queries.html", {
            "filters": filters, "filter_errors": errors, "rows": [], "show": "outstanding"},
            status=400)
    show, patient = filters.cleaned_data["show"], filters.cleaned_data["patient"]
    page = Paginator(queries_of(show=show, patient=patient), QUERIES_PER_PAGE).get_page(
        page_number(request.GET.get("page")))
    return render(request, "monitoring/queries.html", {
        "filters": filters, "show": show, "patient": patient, "page": page,
        "rows": [query_row(q) for q in with_records(page.object_list, related=related_of)],
        "shows": QueryFilterForm.SHOW})


def _review_step(request, subject_id, slug, pk, action, done: str):
    patient = get_object_or_404(Patient, subject_id=subject_id)
    crf = crfs.crf_or_404(slug)
    record = crfs.record_or_404(crf, patient, pk, include_voided=True)
    try:
        action(record, patient)
    except ValidationError as refused:
        _flash_invalid(request, refused)
    else:
        messages.success(request, done)
    return redirect(record_url(crf, record, patient) + "#review")


@login_required
@permission_required(VERIFY_SOURCE, raise_exception=True)
@require_POST
def form_verify(request, subject_id, slug, pk):
    return _review_step(request, subject_id, slug, pk, lambda record, patient: reviews.form_verify(
        record=record, patient=patient, by=request.user), "Marked source-data-verified.")


@login_required
@permission_required(LOCK_FORM, raise_exception=True)
@require_POST
def form_lock(request, subject_id, slug, pk):
    return _review_step(request, subject_id, slug, pk, lambda record, patient: reviews.form_lock(
        record=record, patient=patient, by=request.user, reason=request.POST.get("reason", "")),
        "Form locked.")


@login_required
@permission_required(LOCK_FORM, raise_exception=True)
@require_POST
def form_unlock(request, subject_id, slug, pk):
    return _review_step(request, subject_id, slug, pk, lambda record, patient: reviews.form_unlock(
        record=record, by=request.user, reason=request.POST.get("reason", "")), "Form unlocked.")


def _casebook_step(request, subject_id, action, done: str):
    patient = get_object_or_404(Patient, subject_id=subject_id)
    try:
        action(patient=patient, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as refused:
        _flash_invalid(request, refused)
    else:
        messages.success(request, done)
    return redirect(reverse("patients:casebook", args=[subject_id]) + "#casebook-lock")


@login_required
@permission_required(LOCK_FORM, raise_exception=True)
@require_POST
def casebook_lock(request, subject_id):
    return _casebook_step(request, subject_id, reviews.casebook_lock, "Casebook locked.")


@login_required
@permission_required(LOCK_FORM, raise_exception=True)
@require_POST
def casebook_unlock(request, subject_id):
    return _casebook_step(request, subject_id, reviews.casebook_unlock, "Casebook unlocked.")
