"""What a signer posts who ticked "I sign with these outstanding items" on the sign-off page as
it stands now."""

from django.utils import timezone

from casebook.signoff_content import outstanding_items
from patients.models import Patient
from signoff.services import outstanding_digest


def acknowledging(subject_id: str = "RD-001") -> dict:
    patient = Patient.objects.get(subject_id=subject_id)
    items = outstanding_items(patient, today=timezone.localdate())
    return {"acknowledge_outstanding": "1",
            "outstanding_digest": outstanding_digest([item.text for item in items])}
