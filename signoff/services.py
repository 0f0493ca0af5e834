"""Signing a patient's casebook, and revoking that signature, each with the password."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import record_save, record_void
from core.esignature import check_signer, signer_printed_name
from core.text_validators import required_text
from signoff.models import CasebookSignature
from signoff.selectors import casebook_signature

SUPERSEDED_REASON = "signature superseded: data changed since signing, signed again"


@transaction.atomic
def casebook_sign(*, patient, by, password: str) -> CasebookSignature:
    """Sign the casebook. A signature whose data changed since is superseded (voided with the
    reason, kept in the trail) by the new one; a current one must be revoked first."""
    check_signer(by, password)
    current = casebook_signature(patient)
    if current is not None and not current.data_changed:
        raise ValidationError("This casebook is already signed; revoke that signature first.")
    if current is not None:
        record_void(current, by=by, reason=SUPERSEDED_REASON)
    signature = CasebookSignature(patient=patient, signed_by=by, signed_at=timezone.now(),
                                  signer_printed_name=signer_printed_name(by))
    return record_save(signature, by=by, reason="casebook signed")


@transaction.atomic
def casebook_signature_revoke(*, signature: CasebookSignature, by, password: str,
                              reason: str) -> CasebookSignature:
    check_signer(by, password)
    reason = required_text(reason, field="reason",
                           message="A reason is required to revoke a signature.")
    return record_void(signature, by=by, reason=f"signature revoked: {reason}")
