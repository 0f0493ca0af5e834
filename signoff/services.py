"""Signing a patient's casebook, and revoking that signature, each with the password."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from trial_edc.audit import record_save, record_void
from trial_edc.esignature import check_signer, signer_printed_name

from .models import CasebookSignature


def casebook_signature(patient) -> CasebookSignature | None:
    """The patient's active casebook signature: one query."""
    return CasebookSignature.objects.filter(patient=patient).select_related("signed_by").first()


@transaction.atomic
def casebook_sign(*, patient, by, password: str) -> CasebookSignature:
    check_signer(by, password)
    if casebook_signature(patient) is not None:
        raise ValidationError("This casebook is already signed; revoke that signature first.")
    signature = CasebookSignature(patient=patient, signed_by=by, signed_at=timezone.now(),
                                  signer_printed_name=signer_printed_name(by))
    return record_save(signature, by=by, reason="casebook signed")


@transaction.atomic
def casebook_signature_revoke(*, signature: CasebookSignature, by, password: str,
                              reason: str) -> CasebookSignature:
    check_signer(by, password)
    if not (reason or "").strip():
        raise ValidationError({"reason": "A reason is required to revoke a signature."})
    return record_void(signature, by=by, reason=f"signature revoked: {reason.strip()}")
