"""Signing a patient's casebook, and revoking that signature, each with the password."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import record_save, record_void
from core.esignature import check_signer, signer_printed_name
from core.text_validators import required_text
from signoff.models import CasebookSignature
from signoff.selectors import casebook_signature

SUPERSEDED_REASON = "signature superseded: data changed since signing, signed again"


NOT_ACKNOWLEDGED = (
    "This casebook has {n} outstanding item{s} (listed on the sign-off page): nothing was "
    "signed. Tick \u201cI sign with these outstanding items\u201d to sign anyway; the list is kept "
    "with your signature.")
OUTSTANDING_CHANGED = (
    "The outstanding items changed since the sign-off page was opened: nothing was signed. "
    "Review the list as it is now and sign again.")


def outstanding_digest(outstanding) -> str:
    """A fingerprint of the outstanding items as a page showed them: the signer acknowledges
    that list, and a signature is refused if the list changed meanwhile."""
    return hashlib.sha256("\n".join(outstanding).encode()).hexdigest()


def _check_acknowledged(outstanding: list[str], acknowledged: str) -> None:
    if not outstanding:
        return
    if not acknowledged:
        n = len(outstanding)
        raise ValidationError({"acknowledge_outstanding": NOT_ACKNOWLEDGED.format(
            n=n, s="" if n == 1 else "s")}, code="not_acknowledged")
    if acknowledged != outstanding_digest(outstanding):
        raise ValidationError({"acknowledge_outstanding": OUTSTANDING_CHANGED},
                              code="outstanding_changed")


@transaction.atomic
def casebook_sign(*, patient, by, password: str, outstanding=(),
                  acknowledged: str = "") -> CasebookSignature:
    """Sign the casebook. A signature whose data changed since is superseded (voided with the
    reason, kept in the trail) by the new one; a current one must be revoked first.

    `outstanding`: what is still open in the casebook now (the sign-off page's list). With any,
    the signer must have acknowledged that very list (`acknowledged`, its `outstanding_digest`
    as the page showed it); the list is stored with the signature."""
    check_signer(by, password)
    outstanding = list(outstanding)
    _check_acknowledged(outstanding, acknowledged)
    current = casebook_signature(patient)
    if current is not None and not current.data_changed:
        raise ValidationError("This casebook is already signed; revoke that signature first.")
    if current is not None:
        record_void(current, by=by, reason=SUPERSEDED_REASON)
    signature = CasebookSignature(patient=patient, signed_by=by, signed_at=timezone.now(),
                                  signer_printed_name=signer_printed_name(by),
                                  outstanding_at_signing=outstanding)
    reason = ("casebook signed" if not outstanding else
              f"casebook signed with {len(outstanding)} outstanding item"
              f"{'' if len(outstanding) == 1 else 's'} acknowledged")
    return record_save(signature, by=by, reason=reason)


@transaction.atomic
def casebook_signature_revoke(*, signature: CasebookSignature, by, password: str,
                              reason: str) -> CasebookSignature:
    check_signer(by, password)
    reason = required_text(reason, field="reason",
                           message="A reason is required to revoke a signature.")
    return record_void(signature, by=by, reason=f"signature revoked: {reason}")
