"""The text rules of `core.text_rules` as Django validators, and the check services make of
a required text given to them (a reason, a rationale), so that every writer refuses the same
input with the same words."""

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from core.text_rules import hidden_characters, is_blank

INVISIBLE_ONLY = ("the text holds only invisible characters (spaces, zero-width characters or "
                  "direction marks)")


@deconstructible
class NoHiddenCharacters:
    """For identifiers and codes: no invisible or text-reordering character (bar the space)."""

    def __call__(self, value):
        if not isinstance(value, str):
            return
        names = hidden_characters(value)
        if names:
            raise ValidationError(
                f"contains {', '.join(names)}: an identifier or code may not hold invisible "
                "or direction-changing characters; type it again without them",
                code="hidden_characters")

    def __eq__(self, other):
        return isinstance(other, NoHiddenCharacters)


no_hidden_characters = NoHiddenCharacters()


def visible_text_required(value):
    """For required text: refused when it holds nothing a reader can see. (An empty value is
    the field's own `required` rule; Django runs no validator on it.)"""
    if isinstance(value, str) and is_blank(value):
        raise ValidationError(f"This field is required: {INVISIBLE_ONLY}.", code="blank")


def required_text(value: str | None, *, field: str, message: str) -> str:
    """`value` without surrounding whitespace, or ValidationError({field: message}) when it holds
    nothing visible (saying so when something invisible was typed)."""
    if is_blank(value):
        raise ValidationError({field: f"{message} ({INVISIBLE_ONLY})" if value else message},
                              code="required")
    return value.strip()
