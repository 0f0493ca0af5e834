"""DLT adjudication signed electronically (21 CFR Part 11 §11.50, §11.200).

The investigator re-enters their password to sign; the record keeps the signer, their printed
name, the date and time and the meaning of the signature. A signed decision is not edited: it is
revoked (voided, with a reason, signed the same way) and a new one is signed.

A decision a casebook bundle carries was made before this EDC: it comes in as a *migrated*
decision, marked as such in its printed name and meaning and attributed to the importing user,
never as an e-signature (see `dlt_decision_migrated`).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import record_save, record_void
from core.esignature import check_signer, signer_printed_name
from core.text_validators import required_text
from safety.models import (
    MIGRATED_MEANING,
    MIGRATED_RATIONALE,
    MIGRATED_SIGNER_NAME,
    DltAdjudication,
    DltDecision,
)


@transaction.atomic
def dlt_adjudicate(*, adverse_event, decision: str, rationale: str, by,
                   password: str) -> DltAdjudication:
    """Sign an investigator's decision on whether `adverse_event` is a DLT."""
    check_signer(by, password)
    if decision not in DltDecision.values:
        raise ValidationError({"decision": f"{decision!r} is not a DLT decision."})
    adjudication = DltAdjudication(
        adverse_event=adverse_event, decision=decision, rationale=(rationale or "").strip(),
        signed_by=by, signer_printed_name=signer_printed_name(by), signed_at=timezone.now())
    return record_save(adjudication, by=by, reason=f"signed: {decision}")


@transaction.atomic
def dlt_adjudication_revoke(*, adjudication: DltAdjudication, by, password: str,
                            reason: str) -> DltAdjudication:
    """Withdraw a signed decision, with a reason, so that a new one can be signed."""
    check_signer(by, password)
    reason = required_text(reason, field="reason",
                           message="A reason is required to revoke a signed decision.")
    return record_void(adjudication, by=by, reason=f"signature revoked: {reason}")


def dlt_decision_migrated(*, adverse_event, decision: str, imported_by, at) -> DltAdjudication:
    """A bundle's decision as an (unsaved) migrated legacy decision by `imported_by`.

    It counts as the event's decision, and an investigator may revoke it on the DLT review page
    (with their e-signature) and sign their own; it never passes for an e-signature.
    """
    return DltAdjudication(
        adverse_event=adverse_event, decision=decision, rationale=MIGRATED_RATIONALE,
        signed_by=imported_by, signer_printed_name=MIGRATED_SIGNER_NAME, signed_at=at,
        signature_meaning=MIGRATED_MEANING)
