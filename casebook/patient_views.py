"""Patient list and casebook pages; CRF entry is in `crf_views`."""

from collections import defaultdict

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from casebook import sections as casebook_reader
from casebook import status_grid
from casebook.events import chronicle
from casebook.selectors import patient_list
from casebook.visits import Schedule, calendars, done_dates_of, overdue_count, schedule_of
from core.models import Study
from core.roles import VIEW_CRF
from efficacy.models import ResponseAssessment
from monitoring.locks import locked_patient_ids
from monitoring.reviews import casebook_lock_of
from monitoring.selectors import casebook_lock_trail, open_query_counts
from patients.models import LtfuVisit
from patients.status import patient_status
from pk.models import PkSample
from safety.models import RclTest
from signoff.models import CASEBOOK_SIGNATURE_MEANING
from signoff.selectors import casebook_signature, signatures

# As REDCap and Rave do, the list shows one page at a time and reads the columns (status, open
# queries, overdue visits, locks) for that page's rows only: the same queries at 10,000 patients
# as at 50.
PATIENTS_PER_PAGE = 50


def _status(patient, today, window):
    return patient_status(
        enrollment_date=patient.enrollment_date, first_infusion_date=patient.first_infusion_date,
        off_study_date=patient.off_study_date, death_date=patient.death_date, today=today,
        dlt_window_days=window)


def page_number(text: str | None) -> int | str | None:
    """The page asked for, with 0 and below read as the first (Django's get_page would give
    the last); anything else as get_page reads it."""
    try:
        return max(int(text), 1)
    except (TypeError, ValueError):
        return text


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def patient_index(request):
    search = request.GET.get("q", "").strip()
    # Search first, then page the matches. It never fails: a number past the end gives the last
    # page; 0, a negative number or one that is not a number the first.
    page = Paginator(patient_list(search), PATIENTS_PER_PAGE).get_page(
        page_number(request.GET.get("page")))
    today = timezone.localdate()
    window = Study.load().dlt_window_days
    patients = list(page.object_list)
    ids = [p.pk for p in patients]
    # The status grid's summary: every record of the page's patients in one query (the visit
    # calendars read their done dates from it too), their reviews, queries and signatures in
    # three more.
    all_records = status_grid.records_of(ids)
    by_patient = calendars(patients, today, done_dates_of(all_records))
    queries, locked = open_query_counts(ids), locked_patient_ids(ids)
    records = defaultdict(list)
    for rec in all_records:
        records[rec.patient_id].append(rec)
    monitoring = status_grid.monitoring_of(ids, signatures(ids))

    def summary(p):
        calendar = by_patient.get(p.pk)
        schedule = (Schedule(p.first_infusion_date, calendar["response"], calendar["pk"],
                             calendar["rcl"], calendar["ltfu"]) if calendar else None)
        return status_grid.counts(status_grid.grid(p, records[p.pk], schedule, monitoring,
                                                   today=today, links=False))

    rows = [{"patient": p, "status": _status(p, today, window),
             "overdue": overdue_count(by_patient.get(p.pk)), "open_queries": queries.get(p.pk, 0),
             "locked": p.pk in locked, "forms": summary(p)}
            for p in patients]
    return render(request, "patients/list.html", {
        "rows": rows, "q": search, "page": page, "state_labels": status_grid.STATE_LABELS})


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def patient_casebook(request, subject_id):
    patient = patient_list().filter(subject_id=subject_id).first()
    if patient is None:
        raise Http404(f"No patient {subject_id}.")
    today = timezone.localdate()
    sections = casebook_reader.sections(patient)
    # The schedule from the records the sections read (no query of its own).
    current = {section.model: [record for record, _values in section.rows]
               for section in sections}
    schedule = schedule_of(patient, current[ResponseAssessment], current[PkSample],
                           current[RclTest], current[LtfuVisit], as_of=today)
    signature = casebook_signature(patient)
    grid = status_grid.grid(
        patient, status_grid.records_for_page(patient, sections), schedule,
        status_grid.monitoring_of([patient.pk], {patient.pk: signature} if signature else {}),
        today=today)
    return render(request, "patients/casebook.html", {
        "grid": grid, "states": status_grid.STATES,
        "patient": patient, "sections": sections, "events": chronicle(patient, sections),
        "status": _status(patient, today, Study.load().dlt_window_days),
        "schedule": schedule, "signature": signature,
        "signature_meaning": CASEBOOK_SIGNATURE_MEANING,
        "casebook_lock": casebook_lock_of(patient), "lock_trail": casebook_lock_trail(patient)})
