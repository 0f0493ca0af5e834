"""Electronic signatures (21 CFR Part 11): who may sign, and how a signature reads.

§11.200(a): a signature made within a signed-in session uses the signer's own password again;
§11.50: the signed record shows the printed name, the date and time, and the meaning.
"""

import logging

from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)

WRONG_PASSWORD = "The password is not correct: nothing was signed."
# What a signature is (§11.50); once made, none of them changes (§11.70: a signature stays
# linked to its record). A signature is revoked by voiding it with a reason, and made anew.
SIGNATURE_FIELDS = ("signed_by", "signer_printed_name", "signed_at", "signature_meaning")


def check_signer(user, password: str) -> None:
    """Refuse the signature unless `password` is the signed-in user's own.

    A refusal is logged with the account's name (never the password): §11.300(d) asks that
    attempts at unauthorised use be detected and reported.
    """
    if not password or not user.check_password(password):
        logger.warning("e-signature refused: wrong password in the session of %s",
                       user.get_username())
        raise ValidationError({"password": WRONG_PASSWORD}, code="wrong_password")


def signer_printed_name(user) -> str:
    return user.get_full_name() or user.get_username()


def refuse_signature_changes(record) -> None:
    """Refuse an edit of a signed record's signer, name, time or meaning, from any writer
    (registered with `trial_edc.audit.refuse_writes_with`)."""
    if record._state.adding or not all(hasattr(record, f) for f in SIGNATURE_FIELDS):
        return
    columns = [record._meta.get_field(name).attname for name in SIGNATURE_FIELDS]
    stored = type(record)._base_manager.filter(pk=record.pk).values(*columns).first()
    changed = [name for name, column in zip(SIGNATURE_FIELDS, columns, strict=True)
               if stored is not None and stored[column] != getattr(record, column)]
    if changed:
        raise ValidationError(
            {name: "A signature cannot be changed: revoke it with a reason and sign again."
             for name in changed}, code="signature_changed")
