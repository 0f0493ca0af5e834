"""CRF entry in the browser: enrol, create, edit, void, read one record and its audit trail.

Coordinators (ENTER_CRF) write, monitors too for a protocol deviation; every role that reads
CRFs (VIEW_CRF) reads; sponsors get 403.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from casebook import crfs
from casebook.display import record_name
from casebook.entry import crf_record_save, crf_record_void
from casebook.record_labels import field_label
from casebook.record_view import (
    adverse_event_parts,
    derived_values,
    dlt_preview,
    episode_vital_signs,
    readable_trail,
    record_facts,
)
from core.audit import LockedRecordError, StaleRecordError, void_plan
from core.edit_checks import SoftCheckUnconfirmed
from core.forms import VoidForm
from core.roles import ENTER_CRF, RAISE_QUERY, VIEW_CRF
from core.text_rules import is_blank
from dosing.selectors import product_chain
from monitoring.forms import QueryAnswerForm, QueryRaiseForm, QueryReopenForm, field_choices
from monitoring.locks import locks_on
from monitoring.reviews import review_of
from monitoring.selectors import beside_fields, record_queries
from patients.models import Patient
from safety.selectors import dlt_flags, treatments_of


def may_enter(user, slug: str) -> bool:
    """Coordinators enter every CRF; monitors, too, those of `crfs.MONITOR_ENTERED`."""
    return user.has_perm(ENTER_CRF) or (slug in crfs.MONITOR_ENTERED
                                        and user.has_perm(RAISE_QUERY))


def enters_crf(view):
    @wraps(view)
    def checked(request, *args, slug, **kwargs):
        if not may_enter(request.user, slug):
            raise PermissionDenied
        return view(request, *args, slug=slug, **kwargs)
    return checked


def _patient(subject_id):
    return get_object_or_404(Patient, subject_id=subject_id)


def record_url(crf, record, patient, action="detail"):
    return reverse(f"patients:crf-{action}", args=[patient.subject_id, crf.slug, record.pk])


def _refuse_if_locked(request, crf, record, patient):
    """A locked form (or any form of a locked casebook) opens read-only: back to its page, or to
    the casebook for a new record, with who locked it, before any typing. A save (POST) goes on
    to the form: a lock that arrived while the user typed is refused there, what they typed
    kept on screen (`_edit`)."""
    if request.method == "POST":
        return None
    locks = locks_on(record)
    if not locks:
        return None
    for lock in locks:
        messages.error(request, lock.message)
    if record.pk is None:
        return redirect("patients:casebook", patient.subject_id)
    return redirect(record_url(crf, record, patient))


def _after_save(crf, record, patient):
    if crf.model is Patient:
        return redirect("patients:casebook", record.subject_id)
    if crf.parent == "adverse_event":
        ae = record.adverse_event
        return redirect(record_url(crfs.CRFS["adverse-event"], ae, patient))
    return redirect(record_url(crf, record, patient))


PREVIEW = "_preview"
# Details pages that show the treatments given during their event's episode.
EPISODE_DETAILS = frozenset({"crs", "icans"})
# Log forms, entered several at a sitting: their new-record page offers "Save and add another".
LOG_CRFS = frozenset({"adverse-event", "pk-sample", "lab-result", "conmed", "medical-history",
                      "prior-therapy", "bridging-therapy", "vital-signs"})
ANOTHER = "_another"
CONFIRM_CHECK, CONFIRM_REASON = "confirm_check", "confirm_reason_"


def _confirmations(post) -> dict[str, str]:
    """The soft edit checks the coordinator ticked, each with the reason typed beside it."""
    return {check: post.get(CONFIRM_REASON + check, "") for check in post.getlist(CONFIRM_CHECK)}


def _soft_warnings(refused: SoftCheckUnconfirmed, confirmations: dict, form) -> list[dict]:
    """What the form shows of the soft checks that stopped the save: the warning, the field it is
    about, and the confirmation as typed so far (a ticked box without a reason is said so)."""
    warnings = []
    for finding in refused.findings:
        field = form.fields.get(finding.field)
        ticked = finding.id in confirmations
        warnings.append({
            "finding": finding, "label": field.label if field else finding.field,
            "ticked": ticked, "reason": confirmations.get(finding.id, ""),
            "error": "A reason is required to confirm this warning."
            if ticked and is_blank(confirmations.get(finding.id)) else ""})
    return warnings


def _derived_preview(form):
    """The derived values of what is typed so far, by the same rules as on save; nothing saved.
    The reason for change is asked at saving; its absence does not stop the preview."""
    if not form.is_valid() and set(form.errors) - {"reason"}:
        return None
    return derived_values(form.instance) + dlt_preview(form.instance)


def _edit(request, crf, record, patient, template_context):
    """Show the form; on a valid POST save it, refusing an edit made from a stale copy."""
    form = crf.form(request.POST or None, instance=record)
    offers_another = record.pk is None and crf.slug in LOG_CRFS
    previewing = bool(request.POST.get(PREVIEW))
    derived = _derived_preview(form) if previewing else None
    if previewing and request.htmx:
        return render(request, "crf/derived.html", {"derived": derived})
    stale_current, locked_meanwhile, status, soft_warnings = None, [], 200, []
    saving = request.method == "POST" and not previewing
    if saving and (locks := locks_on(record)):
        # Locked while the user typed: nothing saved, everything typed kept, who/when/why said.
        locked_meanwhile, status = [lock.message for lock in locks], 409
    elif saving and form.is_valid():
        confirmations = _confirmations(request.POST)
        try:
            saved = crf_record_save(form=form, by=request.user, confirmations=confirmations)
        except SoftCheckUnconfirmed as refused:
            # Nothing saved; the typed values stay, with each warning and its confirmation box.
            soft_warnings = _soft_warnings(refused, confirmations, form)
        except LockedRecordError as locked:
            # Locked between the check above and the save; or a record the save carries along
            # is locked (an IEC-HS event's details, which take the event's grade): say which.
            locked_meanwhile = [lock.message for lock in locks_on(record)] or locked.messages
            status = 409
        except StaleRecordError as stale:
            # Keep what the user typed; show what is saved now; a second save is deliberate.
            current = type(record).all_objects.get(pk=record.pk)
            form.data = form.data.copy()
            form.data["row_version"] = current.row_version
            form.add_error(None, str(stale))
            stale_current = record_facts(current)
        else:
            messages.success(request, f"{crf.title} saved.")
            if offers_another and request.POST.get(ANOTHER):
                return redirect("patients:crf-create", patient.subject_id, crf.slug)
            return _after_save(crf, saved, patient or saved)
    # The monitors' outstanding queries beside the fields they are about, while editing.
    beside = beside_fields(record_queries(record)) if record.pk else {}
    return render(request, "crf/form.html", {
        "crf": crf, "form": form, "patient": patient, "record": record,
        "stale_current": stale_current, "locked_meanwhile": locked_meanwhile,
        "record_wide_queries": beside.get("", []),
        "derived": derived, "preview": PREVIEW, "another": ANOTHER,
        "offers_another": offers_another,
        "soft_warnings": soft_warnings,
        "confirm_check": CONFIRM_CHECK, "confirm_reason": CONFIRM_REASON,
        "fields": [(field, beside.get(field.name, [])) for field in form.visible_fields()
                   if field.name != "reason"], **template_context}, status=status)


@login_required
@permission_required(ENTER_CRF, raise_exception=True)
def patient_enrol(request):
    return _edit(request, crfs.CRFS["patient"], Patient(), None, {"heading": "Enrol a patient"})


@login_required
@enters_crf
def crf_create(request, subject_id, slug, adverse_event_pk=None):
    patient, crf = _patient(subject_id), crfs.crf_or_404(slug)
    record = crfs.new_record(crf, patient, adverse_event_pk)
    if refused := _refuse_if_locked(request, crf, record, patient):
        return refused
    return _edit(request, crf, record, patient, {"heading": f"New {crf.noun}"})


@login_required
@enters_crf
def crf_edit(request, subject_id, slug, pk):
    patient, crf = _patient(subject_id), crfs.crf_or_404(slug)
    record = crfs.record_or_404(crf, patient, pk)
    if refused := _refuse_if_locked(request, crf, record, patient):
        return refused
    return _edit(request, crf, record, patient, {"heading": f"Edit {crf.noun}"})


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def crf_detail(request, subject_id, slug, pk):
    patient, crf = _patient(subject_id), crfs.crf_or_404(slug)
    record = crfs.record_or_404(crf, patient, pk, include_voided=True)
    review = review_of(record)
    queries = record_queries(record)
    for query in queries:
        query.field_label = field_label(type(record), query.field_name)
    beside = beside_fields(queries)
    return render(request, "crf/detail.html", {
        "crf": crf, "record": record, "patient": patient, "facts": record_facts(record, beside),
        "record_wide_queries": beside.get("", []),
        "derived": derived_values(record), "episode_vitals": episode_vital_signs(record),
        "parts": adverse_event_parts(record) if slug == "adverse-event" else [],
        "dlt_flags": dlt_flags(record) if slug == "adverse-event" else [],
        "chain": product_chain(record) if slug == "infusion" else [],
        "treatments": treatments_of(record.adverse_event) if slug in EPISODE_DETAILS else None,
        "queries": queries, "review": review, "locks": locks_on(record),
        "verification": review.verification_of(record) if review else "not verified",
        "raise_form": QueryRaiseForm(field_choices=field_choices(crf.form)),
        "answer_form": QueryAnswerForm(), "reopen_form": QueryReopenForm()})


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def crf_history(request, subject_id, slug, pk):
    patient, crf = _patient(subject_id), crfs.crf_or_404(slug)
    record = crfs.record_or_404(crf, patient, pk, include_voided=True)
    return render(request, "crf/history.html", {
        "crf": crf, "record": record, "patient": patient, "trail": readable_trail(record)})


@login_required
@enters_crf
def crf_void(request, subject_id, slug, pk):
    patient, crf = _patient(subject_id), crfs.crf_or_404(slug)
    record = crfs.record_or_404(crf, patient, pk)
    if refused := _refuse_if_locked(request, crf, record, patient):
        return refused
    form = VoidForm(request.POST or None, initial={"row_version": record.row_version})
    # What goes with it, or why it cannot go, said before a reason is typed.
    try:
        also_voided = [record_name(r) for r in void_plan(record)[:-1]]
        refusals = []
    except ValidationError as refused:
        also_voided, refusals = [], refused.messages
    status = 200
    if request.method == "POST" and form.is_valid():
        record.row_version = form.cleaned_data["row_version"]  # as the page was opened
        try:
            crf_record_void(record=record, by=request.user, reason=form.cleaned_data["reason"])
        except LockedRecordError as locked:  # locked while the reason was typed: it is kept
            form.add_error(None, locked)
            status = 409
        except ValidationError as refused:  # a dependant that refuses the void
            form.add_error(None, refused)
        except StaleRecordError as stale:
            form.add_error(None, str(stale))
            form.offer_current_version(type(record).all_objects.get(pk=record.pk))
        else:
            messages.success(request, f"{crf.title} voided.")
            if crf.model is Patient:  # a voided patient has no casebook left to show
                return redirect("patients:list")
            return redirect(record_url(crf, record, patient))
    return render(request, "crf/void.html", {
        "crf": crf, "record": record, "patient": patient, "form": form,
        "also_voided": also_voided, "refusals": [] if form.non_field_errors() else refusals},
        status=status)
