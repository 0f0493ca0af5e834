"""The treatments given during a CRS, ICANS or other adverse-event episode: what the CRS and
ICANS details pages and the DLT review show beside the grade. Pure (no database).

A medication counts for an episode when either
- it is linked to the event (`ConcomitantMedication.treated_event`): the coordinator said so; or
- it is linked to no event, the event is a CRS or an ICANS (`safety.dlt_rules.ae_kind`), the
  medication started within the episode (onset to resolution, both inclusive; an unresolved
  episode runs to `today`) and its indication names the syndrome ("CRS", "cytokine release";
  "ICANS", "neurotox", "neurological toxicity"). A tocilizumab dose entered without its link
  still shows beside the CRS it was given for; a steroid started the same week for ICANS does not.

A medication linked to another event is that event's treatment, never this one's.
"""

import re
from datetime import date

from safety.dlt_rules import ae_kind

INDICATION_WORDS = {
    "crs": re.compile(r"\bcrs\b|cytokine release", re.IGNORECASE),
    "icans": re.compile(r"\bicans\b|neurotox|neurological toxicity", re.IGNORECASE),
}


def _within(start: date | None, onset: date, resolution: date | None, today: date) -> bool:
    return start is not None and onset <= start <= (resolution or today)


def given_for(medication, event, *, today: date) -> bool:
    """Whether `medication` is a treatment of the episode `event` (module docstring)."""
    if medication.treated_event_id is not None:
        return medication.treated_event_id == event.pk
    words = INDICATION_WORDS.get(ae_kind(event.term))
    return bool(words and words.search(medication.indication or "")
                and _within(medication.start_date, event.onset_date, event.resolution_date,
                            today))


def episode_treatments(event, medications, *, today: date) -> list:
    """The patient's `medications` given for `event`, in start order."""
    return sorted((m for m in medications if given_for(m, event, today=today)),
                  key=lambda m: (m.start_date, m.pk or 0))
