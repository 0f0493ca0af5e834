"""Reads of patient data for pages and reports, each in a fixed number of queries."""

from django.db.models import Count, OuterRef, Q, Subquery

from dosing.models import Infusion
from efficacy.models import Death
from patients.models import Patient


def patient_list(search: str = ""):
    """Patients with their first infusion (date and dose level) annotated: one query. Ordered by
    subject ID then pk, so the patient list's pages never share or skip a patient."""
    first_infusion = Infusion.objects.filter(patient=OuterRef("pk")).order_by("number", "date")
    patients = Patient.objects.annotate(
        first_infusion_date=Subquery(first_infusion.values("date")[:1]),
        dose_level_code=Subquery(first_infusion.values("dose_level__code")[:1]),
        death_date=Subquery(Death.objects.filter(patient=OuterRef("pk")).values("date")[:1]),
    )
    if search:
        patients = patients.filter(Q(subject_id__icontains=search) | Q(diagnosis__iexact=search))
    return patients.order_by("subject_id", "pk")


def trial_counts() -> dict[str, int]:
    """Screened, enrolled and infused patients: one query."""
    return Patient.objects.aggregate(
        screened=Count("pk"),
        enrolled=Count("pk", filter=Q(enrollment_date__isnull=False)),
        infused=Count("pk", filter=Q(infusions__number=1, infusions__voided_at__isnull=True),
                      distinct=True),
    )
