"""Casebook sign-off: an investigator signs (or revokes) from the patient's casebook."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from patients.models import Patient
from trial_edc.roles import SIGN_CASEBOOK

from . import services


def _signed_action(request, subject_id, action, done: str):
    patient = get_object_or_404(Patient, subject_id=subject_id)
    try:
        action(patient)
    except ValidationError as refused:
        messages.error(request, "Not signed: " + " ".join(refused.messages))
    else:
        messages.success(request, done)
    return redirect("patients:casebook", subject_id)


@login_required
@permission_required(SIGN_CASEBOOK, raise_exception=True)
@require_POST
def sign(request, subject_id):
    return _signed_action(request, subject_id, lambda patient: services.casebook_sign(
        patient=patient, by=request.user, password=request.POST.get("password", "")),
        "Casebook signed.")


@login_required
@permission_required(SIGN_CASEBOOK, raise_exception=True)
@require_POST
def revoke(request, subject_id):
    def action(patient):
        signature = services.casebook_signature(patient)
        if signature is None:
            raise ValidationError("This casebook is not signed.")
        services.casebook_signature_revoke(signature=signature, by=request.user,
                                           password=request.POST.get("password", ""),
                                           reason=request.POST.get("reason", ""))
    return _signed_action(request, subject_id, action, "Casebook signature revoked.")
