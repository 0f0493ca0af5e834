"""`values_rows` returns what `values_list` returns, value for value, type for type."""

from datetime import UTC, datetime, time, timedelta

from core.fast_reads import values_rows
from dosing.models import Infusion
from pk.models import PkSample
from safety.models import AdverseEvent
from tests import factories


def _same(queryset, *names):
    expected = list(queryset.values_list(*names))
    got = values_rows(queryset, *names)
    assert got == expected
    for got_row, expected_row in zip(got, expected, strict=True):
        assert [type(v) for v in got_row] == [type(v) for v in expected_row]
    return got


def test_dates_datetimes_times_booleans_and_nulls_match_the_orm(db):
    p = factories.patient()
    factories.infusion(p, time=time(10, 30, 15))
    factories.adverse_event(p, resolution_date=None, serious=True,
                            site_aware_at=datetime(2024, 3, 1, 8, 5, 1, 250, tzinfo=UTC))
    factories.adverse_event(p, term="Fever", resolution_date=p.consent_date + timedelta(days=20))
    factories.pk_sample(p, day=7)
    factories.pk_sample(p, day=14, value=None)

    _same(Infusion.objects.order_by("pk"), "patient_id", "date", "time", "dose_level__code")
    rows = _same(AdverseEvent.objects.order_by("pk"), "pk", "onset_date", "resolution_date",
                 "serious", "site_aware_at", "sponsor_reported_at", "patient__subject_id")
    assert rows[0][4] == datetime(2024, 3, 1, 8, 5, 1, 250, tzinfo=UTC)
    assert rows[0][2] is None and rows[0][3] is True
    _same(PkSample.objects.order_by("pk"), "collected_at", "below_lloq",
          "car_copies_per_ug_gdna")


def test_filters_and_ordering_still_apply(db):
    p = factories.patient()
    first = factories.adverse_event(p)
    factories.adverse_event(p, term="Fever", grade=1)
    queryset = AdverseEvent.objects.filter(grade__gte=2).order_by("-onset_date")
    assert _same(queryset, "pk", "onset_date") == [(first.pk, first.onset_date)]
