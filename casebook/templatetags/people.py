"""`{{ user|person }}`: a person by their name (full name, else user name), as the sites know
them, wherever a page names who did something."""

from django import template

from core.esignature import signer_printed_name

register = template.Library()


@register.filter
def person(user) -> str:
    if user is None or user == "":
        return "—"
    return signer_printed_name(user)
