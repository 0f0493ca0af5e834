"""Dose levels, lymphodepletion (fludarabine/cyclophosphamide) and RD13-02 infusions, and the
cell product's chain of identity: donor → product lot → release → patient → infusion."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from core.audit import AuditedModel, ClinicalRecord, one_active_per
from core.date_order_check import TimelineChecked
from core.ranges import NON_NEGATIVE, PERCENT, POSITIVE, WEIGHT_KG, Range, range_checks
from core.text_validators import no_hidden_characters

LYMPHODEPLETION_DAYS = Range(1, 7, "a number of days (1–7)")
MG_PER_M2 = Range(0, 2000, "a daily dose in mg/m² (0–2000)", low_exclusive=True)


class DoseLevel(AuditedModel):
    """A protocol dose level: weight-based (cells/kg) or flat (total cells), never both."""

    code = models.CharField(max_length=10, unique=True, validators=[no_hidden_characters])
    rank = models.PositiveSmallIntegerField(
        unique=True, help_text="Escalation order: 1 is the lowest level.")
    cells_per_kg = models.FloatField("CAR-T cells per kg", null=True, blank=True,
                                     validators=[POSITIVE.validator()])
    total_cells = models.FloatField("total CAR-T cells (flat dose)", null=True, blank=True,
                                    validators=[POSITIVE.validator()])

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cells_per_kg__isnull=True, total_cells__isnull=False)
                | models.Q(cells_per_kg__isnull=False, total_cells__isnull=True),
                name="doselevel_one_dose_basis",
                violation_error_message="A dose level is either cells/kg or total cells.",
            ),
            *range_checks("doselevel", cells_per_kg=POSITIVE, total_cells=POSITIVE),
        ]

    def __str__(self):
        if self.cells_per_kg is not None:
            return f"{self.code} ({self.cells_per_kg:.2g} cells/kg)"
        return f"{self.code} ({self.total_cells:.2g} cells flat)"

    def clean(self):
        if (self.cells_per_kg is None) == (self.total_cells is None):
            raise ValidationError({"cells_per_kg": (
                "A dose level is defined either per kg (cells_per_kg) or as a flat dose "
                "(total_cells): give exactly one.")})


HLA_MATCH = RegexValidator(
    r"^(?:[0-9]|1[0-2])/(?:[1-9]|1[0-2])$",
    "an HLA match is matched/typed alleles, e.g. 5/10 (numbers 0–12)")


class Donor(AuditedModel):
    """The healthy donor of an allogeneic RD13-02 lot: trial-level master data, coded."""

    donor_code = models.CharField(max_length=20, unique=True, validators=[no_hidden_characters],
                                  help_text="The donor's code, e.g. D-017; never a name.")
    hla_typing = models.CharField(
        "HLA typing", max_length=300, blank=True, validators=[no_hidden_characters],
        help_text="The typed loci as reported, e.g. A*02:01,A*24:02; B*…; not sent to sponsors.")
    hla_match = models.CharField(
        "HLA match to the recipient", max_length=5, blank=True, validators=[HLA_MATCH],
        help_text="Matched alleles of those typed, e.g. 5/10.")
    eligibility_date = models.DateField(
        "healthy-donor eligibility date", null=True, blank=True,
        help_text="The date the donor was found eligible (screening and infectious markers).")

    class Meta:
        ordering = ["donor_code"]

    def __str__(self):
        return self.donor_code

    def clean(self):
        super().clean()
        if self.hla_match and HLA_MATCH.regex.fullmatch(self.hla_match):
            matched, typed = (int(n) for n in self.hla_match.split("/"))
            if matched > typed:
                raise ValidationError({"hla_match": (
                    f"HLA match {self.hla_match}: more alleles matched than typed")})


NEGATIVE, POSITIVE_RESULT, PENDING = "negative", "positive", "pending"
TEST_RESULTS = [(NEGATIVE, "Negative"), (POSITIVE_RESULT, "Positive"), (PENDING, "Pending")]
RELEASED, QUARANTINED, REJECTED = "released", "quarantined", "rejected"
RELEASE_STATUSES = [(RELEASED, "Released"), (QUARANTINED, "Quarantined"),
                    (REJECTED, "Rejected")]


class ProductLot(AuditedModel):
    """One manufactured lot of RD13-02, its release results and its release to one patient."""

    lot_number = models.CharField(max_length=40, unique=True, validators=[no_hidden_characters])
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="lots")
    manufacture_date = models.DateField()
    car_positive_pct = models.FloatField("CAR+ (%)", null=True, blank=True,
                                         validators=[PERCENT.validator()])
    viability_pct = models.FloatField("viability (%)", null=True, blank=True,
                                      validators=[PERCENT.validator()])
    total_nucleated_cells = models.FloatField("total nucleated cells", null=True, blank=True,
                                              validators=[POSITIVE.validator()])
    viable_cells = models.FloatField("total viable cells", null=True, blank=True,
                                     validators=[POSITIVE.validator()])
    car_positive_viable_cells = models.FloatField(
        "CAR+ viable cells", null=True, blank=True, validators=[POSITIVE.validator()],
        help_text="The lot's CAR+ viable cell count: the dose the patient receives.")
    sterility = models.CharField(max_length=10, choices=TEST_RESULTS, default=PENDING)
    endotoxin_eu_per_ml = models.FloatField("endotoxin (EU/mL)", null=True, blank=True,
                                            validators=[NON_NEGATIVE.validator()])
    mycoplasma = models.CharField(max_length=10, choices=TEST_RESULTS, default=PENDING)
    vector_copies_per_cell = models.FloatField("vector copy number per cell", null=True,
                                               blank=True, validators=[NON_NEGATIVE.validator()])
    release_status = models.CharField(max_length=12, choices=RELEASE_STATUSES,
                                      default=QUARANTINED)
    release_date = models.DateField(null=True, blank=True)
    released_for = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True,
        related_name="released_lots", verbose_name="released for (patient)")

    class Meta:
        ordering = ["lot_number"]
        constraints = [
            *range_checks("productlot", car_positive_pct=PERCENT, viability_pct=PERCENT,
                          total_nucleated_cells=POSITIVE, viable_cells=POSITIVE,
                          car_positive_viable_cells=POSITIVE, endotoxin_eu_per_ml=NON_NEGATIVE,
                          vector_copies_per_cell=NON_NEGATIVE),
        ]

    def __str__(self):
        return self.lot_number

    def clean(self):
        super().clean()
        errors = release_problems(self) | count_problems(self)
        if errors:
            raise ValidationError(errors)


def release_problems(lot) -> dict[str, str]:
    """A release needs its date, its patient and negative sterility and mycoplasma; the date is
    on or after manufacture."""
    errors = {}
    if lot.release_date and lot.manufacture_date and lot.release_date < lot.manufacture_date:
        errors["release_date"] = (f"released on {lot.release_date}, before its manufacture on "
                                  f"{lot.manufacture_date}")
    if lot.release_status != RELEASED:
        return errors
    if lot.release_date is None:
        errors["release_date"] = "a released lot needs its release date"
    if lot.released_for_id is None and getattr(lot, "released_for", None) is None:
        errors["released_for"] = "a released lot names the patient it is released for"
    for name in ("sterility", "mycoplasma"):
        if getattr(lot, name) != NEGATIVE:
            errors[name] = (f"{name} is {getattr(lot, name)}: a lot is released only with a "
                            f"negative {name} result")
    return errors


def count_problems(lot) -> dict[str, str]:
    """CAR+ viable ≤ viable ≤ total nucleated cells."""
    errors = {}
    nucleated, viable, car = (lot.total_nucleated_cells, lot.viable_cells,
                              lot.car_positive_viable_cells)
    if nucleated is not None and viable is not None and viable > nucleated:
        errors["viable_cells"] = (f"{viable:.3g} viable cells is more than the {nucleated:.3g} "
                                  "total nucleated cells")
    if viable is not None and car is not None and car > viable:
        errors["car_positive_viable_cells"] = (f"{car:.3g} CAR+ viable cells is more than the "
                                               f"{viable:.3g} viable cells")
    return errors


class Lymphodepletion(TimelineChecked, ClinicalRecord):
    """The fludarabine/cyclophosphamide conditioning given before the first infusion."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="lymphodepletions")
    start_date = models.DateField()
    fludarabine_mg_m2_per_day = models.FloatField(
        "fludarabine (mg/m²/day)", validators=[MG_PER_M2.validator()])
    cyclophosphamide_mg_m2_per_day = models.FloatField(
        "cyclophosphamide (mg/m²/day)", validators=[MG_PER_M2.validator()])
    days = models.PositiveSmallIntegerField(validators=[LYMPHODEPLETION_DAYS.validator()])

    TIMELINE = ("lymphodepletion", ("start_date",))

    class Meta:
        constraints = [
            one_active_per("patient", "lymphodepletion"),
            *range_checks("lymphodepletion", fludarabine_mg_m2_per_day=MG_PER_M2,
                          cyclophosphamide_mg_m2_per_day=MG_PER_M2, days=LYMPHODEPLETION_DAYS),
        ]


class Infusion(TimelineChecked, ClinicalRecord):
    """One RD13-02 infusion. Day 0 of the trial is the date of infusion number 1."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="infusions")
    number = models.PositiveSmallIntegerField(validators=[Range(1, 10, "an infusion number (1–10)")
                                                          .validator()])
    date = models.DateField()
    time = models.TimeField(null=True, blank=True,
                            help_text="Start of the infusion; PK sample times count from it.")
    dose_level = models.ForeignKey(DoseLevel, on_delete=models.PROTECT, related_name="infusions")
    cells_per_kg = models.FloatField("CAR-T cells per kg", null=True, blank=True,
                                     validators=[POSITIVE.validator()])
    total_cells = models.FloatField("total CAR-T cells", null=True, blank=True,
                                    validators=[POSITIVE.validator()])
    weight_kg = models.FloatField("body weight (kg)", null=True, blank=True,
                                  validators=[WEIGHT_KG.validator()])
    viability_pct = models.FloatField("viability (%)", null=True, blank=True,
                                      validators=[PERCENT.validator()])
    product_lot = models.CharField(
        max_length=40, blank=True, validators=[no_hidden_characters],
        help_text="The lot number as written; filled from the linked lot when one is chosen.")
    lot = models.ForeignKey(
        ProductLot, on_delete=models.PROTECT, null=True, blank=True, related_name="infusions",
        verbose_name="product lot (registered)",
        help_text="The registered lot infused: its release must be for this patient.")
    received_at = models.DateTimeField("product received at", null=True, blank=True)
    thawed_at = models.DateTimeField("thaw started at", null=True, blank=True)

    TIMELINE = ("infusion", ("date",))

    class Meta:
        ordering = ["patient", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "number"], condition=models.Q(voided_at__isnull=True),
                name="infusion_number_unique",
                violation_error_message="This patient already has an infusion with this number.",
            ),
            *range_checks("infusion", cells_per_kg=POSITIVE, total_cells=POSITIVE,
                          weight_kg=WEIGHT_KG, viability_pct=PERCENT),
        ]

    def clean(self):
        if self.lot is not None:
            number = self.lot.lot_number
            if not self.product_lot:
                self.product_lot = number
            elif self.product_lot != number:
                raise ValidationError({"product_lot": (
                    f"Product lot: {self.product_lot!r} is not the linked lot {number!r}")})
        super().clean()

    @property
    def started_at(self) -> datetime | None:
        """The infusion start as a date and time in the study's time zone (None without a
        time)."""
        if self.date is None or self.time is None:
            return None
        return timezone.make_aware(datetime.combine(self.date, self.time))

    @property
    def received_cells(self) -> float | None:
        """The cells given: the linked lot's CAR+ viable cells, else the recorded total."""
        lot = self.lot  # an import's lot may be the bundle's, not yet saved
        if lot is not None and lot.car_positive_viable_cells is not None:
            return lot.car_positive_viable_cells
        return self.total_cells

    @property
    def received_cells_per_kg(self) -> float | None:
        """The dose received per kg: a lot's CAR+ viable cells ÷ weight; without a lot (or its
        count), the recorded dose (`effective_cells_per_kg`)."""
        lot = self.lot  # an import's lot may be the bundle's, not yet saved
        if lot is not None and lot.car_positive_viable_cells is not None and self.weight_kg:
            return lot.car_positive_viable_cells / self.weight_kg
        return self.effective_cells_per_kg

    @property
    def effective_cells_per_kg(self) -> float | None:
        """Cells/kg as recorded, else derived from total cells and weight where both are known."""
        if self.cells_per_kg is not None:
            return self.cells_per_kg
        if self.total_cells is not None and self.weight_kg:
            return self.total_cells / self.weight_kg
        return None
