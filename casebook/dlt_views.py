"""The investigator's DLT review: the queue, the evidence, the signed decision, and raising an
event the rules did not flag."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.esignature import (
    SigningLockedOut,
    asks_user_id,
    lockout_page,
    sign_in_session,
    signer_printed_name,
)
from core.roles import ADJUDICATE_DLT, VIEW_CRF
from safety.adjudication import dlt_adjudicate, dlt_adjudication_revoke
from safety.dlt_queue import dlt_queue
from safety.forms import DltRevokeForm, DltSignatureForm
from safety.models import AdverseEvent, DltAdjudication
from safety.selectors import derived_grades, treatments_of
from safety.services import dlt_candidate_raise

SIGNATURE_MEANING = DltAdjudication._meta.get_field("signature_meaning").default


def _add_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def queue(request):
    return render(request, "safety/dlt_queue.html", {"items": dlt_queue()})


def _signed_step(request, form, action, done: str, back):
    """Run `action` as the session's e-signature on a valid POSTed form: its refusals (a wrong
    user ID or password) go on the form; a lockout ends the session and says why. None: show
    the page again."""
    if request.method != "POST" or not form.is_valid():
        return None
    data = dict(form.cleaned_data)
    user_id, password = data.pop("user_id", None), data.pop("password")
    try:
        sign_in_session(request, lambda pw: action(password=pw, **data), user_id=user_id,
                        password=password)
    except SigningLockedOut:
        return lockout_page(request)
    except ValidationError as refused:
        _add_errors(form, refused)
        return None
    messages.success(request, done)
    return back


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def review(request, adverse_event_pk):
    """The evidence and, for an investigator, the signature form (or the revoke form)."""
    items = dlt_queue(adverse_event_id=adverse_event_pk)
    if not items:
        raise Http404("No DLT candidate for this adverse event.")
    item = items[0]
    may_sign = request.user.has_perm(ADJUDICATE_DLT)
    if request.method == "POST" and not may_sign:
        raise PermissionDenied
    sign_form = revoke_form = None
    back = redirect("safety:review", adverse_event_pk)
    asks = asks_user_id(request)
    if may_sign and item.adjudication is None:
        sign_form = DltSignatureForm(request.POST or None, asks_user_id=asks)
        answer = _signed_step(request, sign_form, lambda **data: dlt_adjudicate(
            adverse_event=item.adverse_event, by=request.user, **data), "Decision signed.", back)
    elif may_sign:
        revoke_form = DltRevokeForm(request.POST or None, asks_user_id=asks)
        answer = _signed_step(request, revoke_form, lambda **data: dlt_adjudication_revoke(
            adjudication=item.adjudication, by=request.user, **data),
            "Signed decision revoked; a new one can be signed.", back)
    else:
        answer = None
    if answer is not None:
        return answer
    return render(request, "safety/dlt_review.html", {
        "item": item, "grades": derived_grades(item.adverse_event), "sign_form": sign_form,
        "treatments": treatments_of(item.adverse_event),
        "revoke_form": revoke_form, "meaning": SIGNATURE_MEANING,
        "printed_name": signer_printed_name(request.user)})


@login_required
@permission_required(ADJUDICATE_DLT, raise_exception=True)
@require_POST
def raise_candidate(request, adverse_event_pk):
    """An investigator flags an event the rules did not, with a rationale, for review."""
    adverse_event = get_object_or_404(AdverseEvent, pk=adverse_event_pk)
    try:
        dlt_candidate_raise(adverse_event=adverse_event, by=request.user,
                            rationale=request.POST.get("rationale", ""))
    except ValidationError as refused:
        messages.error(request, "Not raised: " + " ".join(refused.messages))
        return redirect("patients:crf-detail", adverse_event.patient.subject_id, "adverse-event",
                        adverse_event.pk)
    messages.success(request, "Raised as a DLT candidate.")
    return redirect("safety:review", adverse_event.pk)
