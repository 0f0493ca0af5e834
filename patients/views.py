"""Patient list and the read-only casebook. CRF entry forms come with the browser EDC."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from trial_edc.models import Study
from trial_edc.roles import VIEW_CRF

from . import casebook as casebook_reader
from .models import Patient
from .selectors import patient_list
from .services import patient_schedule
from .status import patient_status


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def patient_index(request):
    search = request.GET.get("q", "").strip()
    today = timezone.localdate()
    window = Study.load().dlt_window_days
    rows = [
        {"patient": p, "status": patient_status(
            enrollment_date=p.enrollment_date, first_infusion_date=p.first_infusion_date,
            off_study_date=p.off_study_date, death_date=p.death_date, today=today,
            dlt_window_days=window)}
        for p in patient_list(search)
    ]
    return render(request, "patients/list.html", {"rows": rows, "q": search})


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def patient_casebook(request, subject_id):
    patient = get_object_or_404(Patient, subject_id=subject_id)
    return render(request, "patients/casebook.html", {
        "patient": patient, "sections": casebook_reader.sections(patient),
        "schedule": patient_schedule(patient, as_of=timezone.localdate())})
