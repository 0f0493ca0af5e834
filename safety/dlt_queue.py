"""The investigator's DLT review queue: candidates with their evidence, in a fixed number of
queries whatever the trial's size."""

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Subquery

from dosing.models import Infusion
from patients.schedule import study_day
from safety.models import AdverseEvent, DltAdjudication, DltCandidate


@dataclass(frozen=True)
class QueueItem:
    adverse_event: AdverseEvent
    candidates: list[DltCandidate]
    adjudication: DltAdjudication | None
    first_infusion_date: date | None

    @property
    def onset_study_day(self) -> int | None:
        """Days from the first infusion (day 0) to the onset."""
        if self.first_infusion_date is None:
            return None
        return study_day(self.first_infusion_date, self.adverse_event.onset_date)


def dlt_queue(*, adverse_event_id: int | None = None) -> list[QueueItem]:
    """Adverse events with an open (not voided) DLT candidate, undecided first: three queries.
    With `adverse_event_id`, that one event (the adjudication page's evidence)."""
    first_infusion = Infusion.objects.filter(patient=OuterRef("patient")).order_by("number")
    events = AdverseEvent.objects.of_current_parents().filter(
        pk__in=DltCandidate.objects.values("adverse_event_id"),
    ).select_related("patient").annotate(
        first_infusion_date=Subquery(first_infusion.values("date")[:1]),
    ).prefetch_related("dlt_candidates", "dlt_adjudications")
    if adverse_event_id is not None:
        events = events.filter(pk=adverse_event_id)
    items = [QueueItem(ae, list(ae.dlt_candidates.all()),
                       next(iter(ae.dlt_adjudications.all()), None), ae.first_infusion_date)
             for ae in events]
    return sorted(items, key=lambda i: (i.adjudication is not None, i.adverse_event.onset_date,
                                        i.adverse_event.pk))
