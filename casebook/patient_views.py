"""Patient list and casebook pages; CRF entry is in `crf_views`."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from casebook import sections as casebook_reader
from casebook.events import chronicle
from casebook.selectors import patient_list
from casebook.visits import calendars, overdue_count, patient_schedule
from core.models import Study
from core.roles import VIEW_CRF
from monitoring.locks import locked_patient_ids
from monitoring.reviews import casebook_lock_of
from monitoring.selectors import casebook_lock_trail, open_query_counts
from patients.status import patient_status
from signoff.models import CASEBOOK_SIGNATURE_MEANING
from signoff.selectors import casebook_signature

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
    by_patient = calendars(patients, today)
    ids = [p.pk for p in patients]
    queries, locked = open_query_counts(ids), locked_patient_ids(ids)
    rows = [{"patient": p, "status": _status(p, today, window),
             "overdue": overdue_count(by_patient.get(p.pk)), "open_queries": queries.get(p.pk, 0),
             "locked": p.pk in locked}
            for p in patients]
    return render(request, "patients/list.html", {"rows": rows, "q": search, "page": page})


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def patient_casebook(request, subject_id):
    patient = patient_list().filter(subject_id=subject_id).first()
    if patient is None:
        raise Http404(f"No patient {subject_id}.")
    today = timezone.localdate()
    sections = casebook_reader.sections(patient)
    return render(request, "patients/casebook.html", {
        "patient": patient, "sections": sections, "events": chronicle(patient, sections),
        "status": _status(patient, today, Study.load().dlt_window_days),
        "schedule": patient_schedule(patient, as_of=today),
        "signature": casebook_signature(patient), "signature_meaning": CASEBOOK_SIGNATURE_MEANING,
        "casebook_lock": casebook_lock_of(patient), "lock_trail": casebook_lock_trail(patient)})
