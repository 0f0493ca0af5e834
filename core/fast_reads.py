"""`values_list` for whole-trial reads, without Django's per-value converter stack.

The ORM still builds the query (filters, joins, the default manager's "not voided"); the rows
come straight from the driver and only the columns that need it are converted. On PostgreSQL
psycopg2 returns dates, aware datetimes and booleans, and the rows are used as they come.

On SQLite the driver would parse every declared date, time and timestamp column through
Django's registered converters (a Python call chain per value) and leave datetimes naive. Here
those columns are selected as text instead (`CAST(… AS text)`, which has no declared type, so
the driver leaves it alone) and parsed once by the C `fromisoformat`: a date seen before comes
from a small cache (a trial has a few thousand distinct dates and hundreds of thousands of
dated values), and a datetime, stored by Django in UTC, is read with its zone in the same call.
"""

from datetime import date, datetime, time

from django.db import connection, models
from django.db.models import F, TextField
from django.db.models.functions import Cast


def _date_parser():
    seen: dict[str, date] = {}

    def parse(text: str) -> date:
        day = seen.get(text)
        if day is None:
            day = seen[text] = date.fromisoformat(text)
        return day
    return parse


def _aware(text: str) -> datetime:
    return datetime.fromisoformat(text + "+00:00")


def _sqlite_converter(f: models.Field):
    if isinstance(f, models.DateTimeField):
        return _aware
    if isinstance(f, models.DateField):
        return _date_parser()
    if isinstance(f, models.TimeField):
        return time.fromisoformat
    return None


def values_rows(queryset, *names: str, row: type[tuple] | None = None) -> list[tuple]:
    """`queryset.values_list(*names)` as a list of tuples, converted cheaply; with `row` (a
    NamedTuple of the same fields, in order), as a list of those."""
    rows = _values_rows(queryset, names)
    return rows if row is None else list(map(row._make, rows))


def _values_rows(queryset, names: tuple[str, ...]) -> list[tuple]:
    if connection.vendor != "sqlite":
        return _fetch(queryset.values_list(*names))
    converters, columns, casts = [], [], {}
    for i, name in enumerate(names):
        convert = _sqlite_converter(_field(queryset.model, name))
        if convert is None:
            columns.append(name)
            continue
        alias = f"_text{i}"
        casts[alias] = Cast(F(name), output_field=TextField())
        columns.append(alias)
        converters.append((i, convert))
    rows = _fetch(queryset.annotate(**casts).values_list(*columns))
    if not converters or not rows:
        return rows
    # Column by column: zip and map do the looping in C.
    by_column = list(zip(*rows, strict=True))
    for i, convert in converters:
        by_column[i] = [None if value is None else convert(value) for value in by_column[i]]
    return list(zip(*by_column, strict=True))


def _fetch(queryset) -> list[tuple]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _field(model, name: str) -> models.Field:
    """The field a values_list name ends at, following relations ("patient__subject_id")."""
    *path, last = name.split("__")
    for part in path:
        model = model._meta.get_field(part).related_model
    return model._meta.pk if last == "pk" else model._meta.get_field(last)
