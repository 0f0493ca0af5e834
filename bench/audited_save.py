"""The cost of the audit trail and validation on one CRF save.

Floor: the same row inserted with a bare `save()` (no validation, no history row). Measured:
`record_save` — full validation (including the cross-form date checks, which read the patient's
other records), optimistic-lock check and the history row — for a create and for an edit.
"""

from datetime import date

from bench.harness import best_of, summarize, table

PATIENTS, EVENTS_EACH = 30, 10
N = PATIENTS * EVENTS_EACH


def run() -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.audit import record_save
    from safety.models import AdverseEvent
    from tests import factories

    user = factories.user("coordinator", username="bench-coordinator")
    patients = []
    for i in range(PATIENTS):
        patient = factories.patient(f"BENCH-{i:03d}")
        factories.lymphodepletion(patient)
        factories.infusion(patient)
        patients.append(patient)
    # Each patient's record holds about as many AEs as a real casebook while the figures run.
    turn = iter(range(10**9))

    def event():
        return AdverseEvent(patient=patients[next(turn) % PATIENTS], term="Fatigue", grade=1,
                            onset_date=date(2024, 3, 14), relatedness="possible")

    def bare():
        for _ in range(N):
            record = event()
            record.skip_history_when_saving = True
            record.save()

    def audited_create():
        for _ in range(N):
            record_save(event(), by=user)

    saved = [record_save(event(), by=user) for _ in range(N)]

    def audited_edit():
        for record in saved:
            record.grade = 2 if record.grade == 1 else 1
            record_save(record, by=user, reason="benchmark edit")

    with CaptureQueriesContext(connection) as create_queries:
        record_save(event(), by=user)
    with CaptureQueriesContext(connection) as edit_queries:
        saved[0].grade = 3
        record_save(saved[0], by=user, reason="benchmark edit")

    floor = best_of(3, bare)
    create = best_of(3, audited_create)
    edit = best_of(3, audited_edit)
    rows = [
        ("bare insert (floor)", f"{floor / N * 1e3:.2f}", "1.0", 1),
        ("record_save: create", f"{create / N * 1e3:.2f}", f"{create / floor:.1f}",
         len(create_queries)),
        ("record_save: edit with reason", f"{edit / N * 1e3:.2f}", f"{edit / floor:.1f}",
         len(edit_queries)),
    ]
    summarize("CRF save: create", None, "ms/save", create / N * 1e3, floor / N * 1e3,
              len(create_queries))
    summarize("CRF save: edit with reason", None, "ms/save", edit / N * 1e3, floor / N * 1e3,
              len(edit_queries))
    return table(rows, ("CRF save (adverse event)", "ms/save", "× floor", "queries"))
