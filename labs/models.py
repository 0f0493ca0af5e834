"""Laboratory results: haematology, chemistry and inflammation markers, one value per record,
each with its unit and the site laboratory's reference range as reported with it (docs/labs.md).

The CTCAE v5.0 grade is derived, never stored: `safety.grading.lab_grade` from the value and the
range, read by every page, export and the DLT rule D5.
"""

from django.core.exceptions import ValidationError
from django.db import models

from core.audit import ClinicalRecord
from core.date_order_check import TimelineChecked
from core.ranges import NON_NEGATIVE, range_checks


class LabTest(models.TextChoices):
    ANC = "anc", "Neutrophils (ANC)"
    PLATELETS = "platelets", "Platelets"
    HAEMOGLOBIN = "haemoglobin", "Haemoglobin"
    LYMPHOCYTES = "lymphocytes", "Lymphocytes"
    ALT = "alt", "ALT"
    AST = "ast", "AST"
    BILIRUBIN = "bilirubin", "Bilirubin (total)"
    CREATININE = "creatinine", "Creatinine"
    CRP = "crp", "CRP"
    FERRITIN = "ferritin", "Ferritin"
    IL6 = "il6", "IL-6"
    FIBRINOGEN = "fibrinogen", "Fibrinogen"


class LabUnit(models.TextChoices):
    PER_NL = "10^9/L", "×10⁹/L"
    G_L = "g/L", "g/L"
    U_L = "U/L", "U/L"
    UMOL_L = "umol/L", "µmol/L"
    MG_L = "mg/L", "mg/L"
    UG_L = "ug/L", "µg/L"
    PG_ML = "pg/mL", "pg/mL"


# The one unit each test is recorded in (the grading reads values in it:
# `safety.grading.LAB_UNITS` holds the same table).
TEST_UNITS = {
    LabTest.ANC: LabUnit.PER_NL, LabTest.PLATELETS: LabUnit.PER_NL,
    LabTest.HAEMOGLOBIN: LabUnit.G_L, LabTest.LYMPHOCYTES: LabUnit.PER_NL,
    LabTest.ALT: LabUnit.U_L, LabTest.AST: LabUnit.U_L, LabTest.BILIRUBIN: LabUnit.UMOL_L,
    LabTest.CREATININE: LabUnit.UMOL_L, LabTest.CRP: LabUnit.MG_L, LabTest.FERRITIN: LabUnit.UG_L,
    LabTest.IL6: LabUnit.PG_ML, LabTest.FIBRINOGEN: LabUnit.G_L,
}
# The highest value each test can have in its unit, far beyond any patient's (hyperleukocytosis,
# fulminant hepatitis, HLH's ferritin, CRS's IL-6): above it the value is in another unit (a count
# per µL as ×10⁹/L, haemoglobin in g/dL read as g/L the other way round, fibrinogen in mg/dL) or
# mistyped, and is refused rather than graded.
PLAUSIBLE_MAX = {
    LabTest.ANC: 200.0, LabTest.PLATELETS: 5000.0, LabTest.HAEMOGLOBIN: 250.0,
    LabTest.LYMPHOCYTES: 1000.0, LabTest.ALT: 20000.0, LabTest.AST: 20000.0,
    LabTest.BILIRUBIN: 1500.0, LabTest.CREATININE: 3000.0, LabTest.CRP: 1000.0,
    LabTest.FERRITIN: 1_000_000.0, LabTest.IL6: 1_000_000.0, LabTest.FIBRINOGEN: 20.0,
}
# Counts that grade a cytopenia, by the AE kind they grade (`safety.dlt_rules.KIND_TERMS`).
CYTOPENIA_TESTS = {LabTest.ANC: "neutropenia", LabTest.PLATELETS: "thrombocytopenia"}


class LabResult(TimelineChecked, ClinicalRecord):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="lab_results")
    collected_at = models.DateTimeField()
    test = models.CharField(max_length=20, choices=LabTest.choices)
    value = models.FloatField(validators=[NON_NEGATIVE.validator()])
    unit = models.CharField(max_length=10, choices=LabUnit.choices)
    below_detection = models.BooleanField(
        "below the limit of detection", default=False,
        help_text="Reported as < value: the value is the laboratory's limit of detection.")
    ref_low = models.FloatField("reference range low (LLN)", null=True, blank=True,
                                validators=[NON_NEGATIVE.validator()])
    ref_high = models.FloatField("reference range high (ULN)", null=True, blank=True,
                                 validators=[NON_NEGATIVE.validator()])

    TIMELINE = ("clinical", ("collected_at",))

    class Meta:
        verbose_name = "laboratory result"
        ordering = ["patient", "collected_at", "test", "id"]
        indexes = [models.Index(fields=["patient", "collected_at"], name="labresult_patient_time")]
        constraints = range_checks("labresult", value=NON_NEGATIVE, ref_low=NON_NEGATIVE,
                                   ref_high=NON_NEGATIVE)

    def __str__(self):
        return f"{self.get_test_display()} {self.value:g} {self.get_unit_display()}"

    def clean(self):
        errors = {}
        expected = TEST_UNITS.get(self.test)
        if expected and self.unit and self.unit != expected:
            errors["unit"] = (f"{self.get_test_display()} is recorded in "
                              f"{expected.label}; convert the value to it.")
        highest = PLAUSIBLE_MAX.get(self.test)
        if highest is not None and self.value is not None and self.value > highest:
            errors["value"] = (f"{self.value:g} is not a possible {self.get_test_display()} in "
                               f"{TEST_UNITS[self.test].label} (at most {highest:g}): check the "
                               "value and that it was converted to this unit.")
        if self.ref_low is not None and self.ref_high is not None and self.ref_low > self.ref_high:
            errors["ref_high"] = "The reference range's high limit is below its low limit."
        if errors:
            raise ValidationError(errors)
        super().clean()
