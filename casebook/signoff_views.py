"""Casebook sign-off: the investigator's work list, each patient's sign-off page, and signing
(or revoking) with the password, from the sign-off page or the casebook."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from casebook import sections as casebook_reader
from casebook.signoff_content import grouped, outstanding_items
from core.esignature import SigningLockedOut, lockout_page, sign_in_session
from core.roles import SIGN_CASEBOOK, VIEW_CRF
from patients.models import Patient
from signoff import services
from signoff.models import CASEBOOK_SIGNATURE_MEANING
from signoff.selectors import casebook_signature, changes_since, signatures


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def worklist(request):
    """Every casebook with its sign-off state; those to (re)sign first."""
    patients = list(Patient.objects.order_by("subject_id"))
    signed = signatures([p.pk for p in patients])
    rows = [{"patient": p, "signature": signed.get(p.pk)} for p in patients]
    rows.sort(key=lambda row: row["signature"] is not None and not row["signature"].data_changed)
    return render(request, "signoff/worklist.html", {"rows": rows})


def _outstanding(patient) -> list:
    return outstanding_items(patient, today=timezone.localdate())


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def signoff_page(request, subject_id):
    """What the investigator signs: every form's content, every outstanding item (to
    acknowledge if they sign with any), the signature and what changed since it."""
    patient = get_object_or_404(Patient, subject_id=subject_id)
    signature = casebook_signature(patient)
    outstanding = _outstanding(patient)
    return render(request, "signoff/page.html", {
        "patient": patient, "signature": signature, "signature_meaning": CASEBOOK_SIGNATURE_MEANING,
        "changes": changes_since(signature) if signature and signature.data_changed else [],
        "sections": casebook_reader.sections(patient), "outstanding": grouped(outstanding),
        "outstanding_count": len(outstanding), "on_signoff_page": True,
        "outstanding_digest": services.outstanding_digest([i.text for i in outstanding]),
        "next": request.get_full_path()})


def _signed_action(request, subject_id, action, done: str):
    """Run `action(patient, password)` as the session's e-signature (`sign_in_session`); its
    refusal is a message on the page the form was on; a lockout ends the session and says why."""
    patient = get_object_or_404(Patient, subject_id=subject_id)
    try:
        sign_in_session(request, lambda password: action(patient, password),
                        user_id=request.POST.get("user_id"),
                        password=request.POST.get("password", ""))
    except SigningLockedOut:
        return lockout_page(request)
    except ValidationError as refused:
        messages.error(request, "Not signed: " + " ".join(refused.messages))
    else:
        messages.success(request, done)
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(back)
    return redirect("patients:casebook", subject_id)


@login_required
@permission_required(SIGN_CASEBOOK, raise_exception=True)
@require_POST
def sign(request, subject_id):
    """Sign; with outstanding items only if the signer acknowledged the very list the page
    showed (its digest), which is then kept with the signature (docs/signoff.md)."""
    acknowledged = (request.POST.get("outstanding_digest", "")
                    if request.POST.get("acknowledge_outstanding") else "")
    return _signed_action(request, subject_id, lambda patient, password: services.casebook_sign(
        patient=patient, by=request.user, password=password,
        outstanding=[item.text for item in _outstanding(patient)], acknowledged=acknowledged),
        "Casebook signed.")


@login_required
@permission_required(SIGN_CASEBOOK, raise_exception=True)
@require_POST
def revoke(request, subject_id):
    def action(patient, password):
        signature = casebook_signature(patient)
        if signature is None:
            raise ValidationError("This casebook is not signed.")
        services.casebook_signature_revoke(signature=signature, by=request.user,
                                           password=password,
                                           reason=request.POST.get("reason", ""))
    return _signed_action(request, subject_id, action, "Casebook signature revoked.")
