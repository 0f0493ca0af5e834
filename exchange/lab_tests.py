"""Laboratory results (haematology, chemistry, inflammation) posted in bulk by the central lab:
validated whole, then written all or nothing, exactly as the PK results are
(`exchange.lab_results`, whose reader, checks and messages this reuses).

A batch is a list of results, each a casebook bundle's `lab_results[]` object plus the patient's
`subject_id`. A result already recorded (same patient, test and collection time; EC-LAB-01,
hard) is refused, so a batch sent twice is not stored twice.
"""

from datetime import date

from exchange import spec
from exchange.lab_results import LAB_RESULTS_REASON, BulkPost, bulk_read, bulk_record
from labs.models import LabResult

ROOT = "lab_results"
LAB_POST = BulkPost(spec.LAB_RESULT, ROOT, "result",
                    lambda r: (r.patient_id, r.test, r.collected_at))


def lab_results_record(*, rows, by, today: date,
                       reason: str = LAB_RESULTS_REASON) -> list[LabResult]:
    """Validate every row, then save them all through the audit trail; raises BundleProblems."""
    return bulk_record(LAB_POST, rows=rows, by=by, today=today, reason=reason)


def lab_results_read(rows, *, today: date) -> list[LabResult]:
    """The batch as unsaved results, or BundleProblems listing every problem with its path."""
    return bulk_read(LAB_POST, rows, today=today)
