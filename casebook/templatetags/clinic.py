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
