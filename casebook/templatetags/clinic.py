"""How the pages show dates, times, recorded values and records: one way everywhere
(`casebook.display`, docs/pages.md). Loaded as a builtin (settings.TEMPLATES), so every template
has these filters without `{% load %}`."""

from datetime import datetime

from django import template
from django.utils import timezone

from casebook.display import display_value, record_name, show_date

register = template.Library()


@register.filter
def clinical_date(value):
    """"12 Oct 2026"; a date-time is shown as its date in the site's time zone."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).date()
    elif isinstance(value, datetime):
        value = value.date()
    return show_date(value)


@register.filter
def clinical_datetime(value):
    """"12 Oct 2026 14:05 UTC": always with the time zone named."""
    return show_date(value)


@register.filter
def value_of(record, field_name):
    """A record's field as a reader should see it: label of a choice, unit of a number."""
    return display_value(record, field_name)


@register.filter
def named(record):
    """"Infusion 1, 12 Oct 2026": a record by what it is, never by its database id."""
    return record_name(record)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


DATE_FORMATS = {"date": "Format: YYYY-MM-DD (e.g. 2026-10-12); the date picker fills it in.",
                "datetime-local": "Format: YYYY-MM-DD hh:mm, 24-hour clock, time in {zone}.",
                "time": "Format: hh:mm, 24-hour clock, time in {zone}."}


@register.filter
def date_format_hint(field) -> str:
    """What a date or time input expects, stated beside it ("" for other inputs)."""
    hint = DATE_FORMATS.get(getattr(field.field.widget, "input_type", ""), "")
    return hint.format(zone=timezone.get_current_timezone_name())


@register.filter
def described(field):
    """The input with `aria-describedby` naming its format hint, help text and errors (ids as
    crf/field.html gives them), and `aria-invalid` when it has errors: a screen reader reads
    the message with the input."""
    ids = []
    if date_format_hint(field):
        ids.append(f"{field.auto_id}_format")
    if field.help_text:
        ids.append(f"{field.auto_id}_help")
    if field.errors:
        ids.append(f"{field.auto_id}_errors")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
