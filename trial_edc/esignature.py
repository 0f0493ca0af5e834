"""Electronic signatures (21 CFR Part 11): who may sign, and how a signature reads.

§11.200(a): a signature made within a signed-in session uses the signer's own password again;
§11.50: the signed record shows the printed name, the date and time, and the meaning.
"""

from django.core.exceptions import ValidationError

WRONG_PASSWORD = "The password is not correct: nothing was signed."


def check_signer(user, password: str) -> None:
    """Refuse the signature unless `password` is the signed-in user's own."""
    if not password or not user.check_password(password):
        raise ValidationError({"password": WRONG_PASSWORD}, code="wrong_password")


def signer_printed_name(user) -> str:
    return user.get_full_name() or user.get_username()
