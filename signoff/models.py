"""An investigator's e-signature on a patient's whole casebook (21 CFR Part 11 §11.50).

One active signature per patient. It is revoked (voided, with a reason, signed again with the
password) rather than edited, so the history shows every signature ever given.
"""

from django.conf import settings
from django.db import models

from core.audit import ClinicalRecord, one_active_per

CASEBOOK_SIGNATURE_MEANING = (
    "I have reviewed this casebook and confirm, as investigator, that its data are complete "
    "and accurate.")


class CasebookSignature(ClinicalRecord):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="casebook_signatures")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    signer_printed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    signature_meaning = models.CharField(max_length=200, default=CASEBOOK_SIGNATURE_MEANING)
    # What was still open when the investigator signed (pending DLT decisions, open queries,
    # unverified or unlocked forms, missing forms), each as the sign-off page said it; the
    # signer acknowledged this list to sign (docs/signoff.md). Empty: nothing was outstanding.
    outstanding_at_signing = models.JSONField(default=list, blank=True)

    # A signature is revoked by an investigator with the password, never as a side effect.
    parent_void_refusal = (
        "this patient's casebook is signed. An investigator must first revoke the signature on "
        "the casebook's sign-off page.")

    class Meta:
        constraints = [one_active_per("patient", "casebooksignature")]
