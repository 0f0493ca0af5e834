"""Electronic signatures (21 CFR Part 11): who may sign, and how a signature reads.

§11.200(a)(1): the first signature of a continuous session uses both identification components
(the user ID and the password), later ones in the same session the password; a new session (a
new sign-in, or one after the idle limit) starts over. The user ID must be the signed-in
user's own, and the password too: another user's credentials sign nothing.
§11.300(d): attempts at unauthorised use are detected and stopped. A wrong user ID or password
counts as a failed sign-in of the signed-in user in django-axes, per user over every address
(`lockout_parameters`); at the sign-in failure limit nothing is signed, the session ends and
the user is told why. A user locked out at sign-in, from any address, cannot sign from a
session that was already open.
§11.50: the signed record shows the printed name, the date and time, and the meaning.
"""

import logging
from collections.abc import Callable
from typing import TypeVar

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.shortcuts import render

logger = logging.getLogger(__name__)

WRONG_PASSWORD = "The password is not correct: nothing was signed."
WRONG_USER_ID = "This is not your user ID: nothing was signed."
USER_ID_REQUIRED = ("Enter your user ID: the first signature of a session needs both your user "
                    "ID and your password.")
PASSWORD_REQUIRED = "Enter your password to sign."
# What a signature is (§11.50); once made, none of them changes (§11.70: a signature stays
# linked to its record). A signature is revoked by voiding it with a reason, and made anew.
SIGNATURE_FIELDS = ("signed_by", "signer_printed_name", "signed_at", "signature_meaning")
# The session's first complete signature (user ID and password) was made by this user id.
SESSION_SIGNER = "esignature_signer"
# Marks the credentials django-axes counts for a signature: see `lockout_parameters`.
ESIGNATURE = "esignature"

T = TypeVar("T")


class WrongPasswordError(ValidationError):
    def __init__(self):
        super().__init__({"password": WRONG_PASSWORD}, code="wrong_password")


class SigningLockedOut(Exception):
    """The signer reached the sign-in failure limit: nothing was signed, the session ended.
    The view answers `lockout_page`."""


def lockout_parameters(request_or_attempt, credentials=None) -> list:
    """django-axes' AXES_LOCKOUT_PARAMETERS. Sign-in counts wrong passwords per username and
    address (a stranger elsewhere cannot lock a user out everywhere); a signature counts them
    per user, over every address, and a user with that many is refused a signature: so the
    sign-in failures from another address and the wrong signature passwords add up."""
    if credentials and credentials.get(ESIGNATURE):
        return ["username"]
    return [["username", "ip_address"]]


def check_signer(user, password: str) -> None:
    """Refuse the signature unless `password` is the signed-in user's own.

    A refusal is logged with the account's name (never the password): §11.300(d) asks that
    attempts at unauthorised use be detected and reported.
    """
    if not password or not user.check_password(password):
        logger.warning("e-signature refused: wrong password in the session of %s",
                       user.get_username())
        raise WrongPasswordError()


def asks_user_id(request) -> bool:
    """Whether the next signature in this session needs the user ID as well as the password."""
    return request.session.get(SESSION_SIGNER) != request.user.pk


def _credentials(user) -> dict:
    return {"username": user.get_username(), ESIGNATURE: True}


def _locked_out(request, user) -> SigningLockedOut:
    logger.warning("e-signature refused: %s is locked out; the session is ended",
                   user.get_username())
    logout(request)
    # This request answers with the e-signature's lockout page, not axes' sign-in one.
    request.axes_locked_out = False
    return SigningLockedOut()


def _count_failure(request, user) -> None:
    """Report the failed signature to django-axes as a failed sign-in of `user`; at the limit,
    end the session."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
    if AxesProxyHandler.is_locked(request, _credentials(user)):
        raise _locked_out(request, user)


def sign_in_session(request, sign: Callable[[str], T], *, user_id: str | None,
                    password: str) -> T:
    """Make the signed-in user's signature: `sign(password)` checks the password
    (`check_signer`) and writes the signed record, in its own transaction.

    Raises ValidationError (by field; a wrong user ID or password counted) or SigningLockedOut.
    The caller's transaction must commit after a refusal, or the count is lost with it.
    """
    user = request.user
    if AxesProxyHandler.is_locked(request, _credentials(user)):
        raise _locked_out(request, user)
    if asks_user_id(request):
        if not (user_id or "").strip():
            raise ValidationError({"user_id": USER_ID_REQUIRED}, code="required")
        if user_id.strip() != user.get_username():
            logger.warning("e-signature refused: another user ID in the session of %s",
                           user.get_username())
            _count_failure(request, user)
            raise ValidationError({"user_id": WRONG_USER_ID}, code="wrong_user_id")
    if not password:
        raise ValidationError({"password": PASSWORD_REQUIRED}, code="required")
    try:
        signed = sign(password)
    except WrongPasswordError:
        _count_failure(request, user)
        raise
    request.session[SESSION_SIGNER] = user.pk
    return signed


def lockout_page(request):
    """What the user sees when signing is locked: why, for how long, and what to do."""
    return render(request, "registration/signature_locked.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_timedelta": settings.AXES_COOLOFF_TIME}, status=429)


def signature_context(request) -> dict:
    """Template context: whether a signature form must ask for the user ID."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"esignature_asks_user_id": asks_user_id(request)}


def signer_printed_name(user) -> str:
    return user.get_full_name() or user.get_username()


def refuse_signature_changes(record) -> None:
    """Refuse an edit of a signed record's signer, name, time or meaning, from any writer
    (registered with `core.audit.refuse_writes_with`)."""
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
