"""The protocol deviations log: the trial's list (coordinators, monitors, investigators) and the
investigator's assessment of one deviation. Entry and edit are the CRF pages
(`/patients/<subject_id>/protocol-deviation/…`, `casebook.crf_views`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from core.roles import SIGN_CASEBOOK, VIEW_CRF
from monitoring.deviations import deviation_assess
from monitoring.forms import DeviationAssessForm
from monitoring.models import ProtocolDeviation

PER_PAGE = 50


@login_required
@permission_required(VIEW_CRF, raise_exception=True)
def deviation_list(request):
    """Every current deviation, the unassessed first, then by date."""
    deviations = (ProtocolDeviation.objects.of_current_parents()
                  .select_related("patient", "assessed_by")
                  .order_by("assessed_at", "-deviation_date", "pk"))
    page = Paginator(deviations, PER_PAGE).get_page(request.GET.get("page") or 1)
    return render(request, "monitoring/deviations.html", {"page": page})


@login_required
@permission_required(SIGN_CASEBOOK, raise_exception=True)
def deviation_assess_page(request, deviation_pk):
    deviation = get_object_or_404(ProtocolDeviation.objects.select_related("patient"),
                                  pk=deviation_pk)
    initial = {"important": deviation.important, "impact_on_safety": deviation.impact_on_safety,
               "impact_on_data": deviation.impact_on_data,
               "corrective_action": deviation.corrective_action}
    form = DeviationAssessForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            deviation_assess(deviation, by=request.user, **form.cleaned_data)
        except ValidationError as refused:
            form.add_error(None, refused)
            status = 409
        else:
            messages.success(request, "Assessment saved.")
            return redirect("patients:crf-detail", deviation.patient.subject_id,
                            "protocol-deviation", deviation.pk)
    return render(request, "monitoring/deviation_assess.html",
                  {"deviation": deviation, "form": form}, status=status)
