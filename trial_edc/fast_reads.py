"""`values_list` for whole-trial reads, without Django's per-value converter stack.

The ORM still builds the query (filters, joins, the default manager's "not voided"); the rows
come straight from the driver and only the columns that need it are converted. On SQLite
Django's connection already parses dates and times but leaves datetimes naive; on PostgreSQL
psycopg2 returns dates, aware datetimes and booleans. It saves the compiler's per-value
converter calls; the driver's own parsing remains (most of a whole-trial read on SQLite).
"""

from datetime import UTC, date, datetime, time

from django.db import connection, models


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _parsed(parse, kind):
    return lambda value: value if isinstance(value, kind) else parse(value)


def _sqlite_converter(f: models.Field):
    # Django's SQLite connection already parses declared date/time/bool columns; datetimes
    # come back naive (stored in UTC).
    if isinstance(f, models.DateTimeField):
        return _aware
    if isinstance(f, models.DateField):
        return _parsed(date.fromisoformat, date)
    if isinstance(f, models.TimeField):
        return _parsed(time.fromisoformat, time)
    if isinstance(f, models.BooleanField):
        return bool
    return None


def values_rows(queryset, *names: str) -> list[tuple]:
    """`queryset.values_list(*names)` as a list of tuples, converted cheaply."""
    query = queryset.values_list(*names).query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor != "sqlite":
        return rows
    converters = [(i, _sqlite_converter(_field(queryset.model, name)))
                  for i, name in enumerate(names)]
    converters = [(i, c) for i, c in converters if c is not None]
    if not converters:
        return rows
    out = []
    for row in rows:
        row = list(row)
        for i, convert in converters:
            if row[i] is not None:
                row[i] = convert(row[i])
        out.append(tuple(row))
    return out


def _field(model, name: str) -> models.Field:
    """The field a values_list name ends at, following relations ("patient__subject_id")."""
    *path, last = name.split("__")
    for part in path:
        model = model._meta.get_field(part).related_model
    return model._meta.pk if last == "pk" else model._meta.get_field(last)
