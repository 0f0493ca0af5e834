"""Adverse events with their CRS, ICANS, GVHD, infection and IEC-HS details; DLT candidates and
adjudications; the CAR-T long-term safety forms (secondary malignancies, replication-competent
lentivirus tests)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from core.audit import ClinicalRecord, one_active_per
from core.date_order_check import TimelineChecked
from core.ranges import (
    BODY_TEMPERATURE_C,
    CAPD_SCORE,
    CTCAE_GRADE,
    ICE_SCORE,
    NON_NEGATIVE,
    Range,
    range_checks,
)
from core.text_validators import no_hidden_characters, visible_text_required
from patients.schedule import RCL_TESTS

GVHD_STAGE = Range(0, 4, "a MAGIC organ stage (0–4)")
UPPER_GI_STAGE = Range(0, 1, "a MAGIC upper-GI stage (0–1)")
MAGIC_GRADE = Range(0, 4, "a MAGIC overall grade (0–4)")
# ICE is the adults' instrument; children under this age are screened with CAPD (ASTCT).
CAPD_AGE_LIMIT = 12


class Relatedness(models.TextChoices):
    UNRELATED = "unrelated", "Unrelated"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"


class Outcome(models.TextChoices):
    RECOVERED = "recovered", "Recovered/resolved"
    RECOVERING = "recovering", "Recovering/resolving"
    NOT_RECOVERED = "not_recovered", "Not recovered/not resolved"
    SEQUELAE = "sequelae", "Recovered with sequelae"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


class ActionTaken(models.TextChoices):
    NONE = "none", "None"
    TREATMENT = "treatment", "Treatment given"
    INFUSION_DELAYED = "infusion_delayed", "Infusion delayed"
    INFUSION_INTERRUPTED = "infusion_interrupted", "Infusion interrupted"
    PRODUCT_WITHDRAWN = "product_withdrawn", "No further RD13-02"
    OTHER = "other", "Other"


# The AE's seriousness criteria, in SDTM order (AESDTH, AESLIFE, AESHOSP, AESDISAB, AESCONG,
# AESMIE).
SERIOUSNESS_CRITERIA = ("sae_death", "sae_life_threatening", "sae_hospitalisation",
                        "sae_disability", "sae_congenital_anomaly", "sae_medically_important")


class AdverseEvent(TimelineChecked, ClinicalRecord):
    """An adverse event, CTCAE v5.0 term and grade (ASTCT grade for CRS and ICANS)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="adverse_events")
    term = models.CharField("CTCAE term", max_length=200, validators=[no_hidden_characters])
    grade = models.PositiveSmallIntegerField(validators=[CTCAE_GRADE.validator()])
    onset_date = models.DateField()
    resolution_date = models.DateField(null=True, blank=True)
    serious = models.BooleanField("serious (SAE)", default=False)
    # The seriousness criteria (ICH E2A; SDTM AESDTH … AESMIE): at least one when serious, none
    # when not (`safety.edit_checks`, EC-AE-03).
    sae_death = models.BooleanField("results in death", default=False)
    sae_life_threatening = models.BooleanField("is life-threatening", default=False)
    sae_hospitalisation = models.BooleanField(
        "requires or prolongs hospitalisation", default=False)
    sae_disability = models.BooleanField(
        "results in persistent or significant disability or incapacity", default=False)
    sae_congenital_anomaly = models.BooleanField(
        "is a congenital anomaly or birth defect", default=False)
    sae_medically_important = models.BooleanField(
        "other medically important serious event", default=False)
    relatedness = models.CharField("relatedness to RD13-02", max_length=10,
                                   choices=Relatedness.choices)
    outcome = models.CharField(max_length=15, choices=Outcome.choices, blank=True)
    action_taken = models.CharField(max_length=25, choices=ActionTaken.choices, blank=True)
    site_aware_at = models.DateTimeField(
        "site became aware", null=True, blank=True,
        help_text="For an SAE: when the site learnt of it (starts the reporting clock).")
    sponsor_reported_at = models.DateTimeField(
        "reported to sponsor", null=True, blank=True)
    narrative = models.TextField(
        blank=True, help_text="Free text for the site and the monitor; never sent to the sponsor.")

    TIMELINE = ("clinical", ("onset_date", "resolution_date"))

    class Meta:
        ordering = ["patient", "onset_date", "id"]
        constraints = [
            *range_checks("adverseevent", grade=CTCAE_GRADE),
            models.CheckConstraint(
                condition=models.Q(resolution_date__isnull=True)
                | models.Q(resolution_date__gte=models.F("onset_date")),
                name="adverseevent_resolution_after_onset",
                violation_error_message="resolution_date: must be on or after the onset date.",
            ),
        ]

    def __str__(self):
        return f"{self.term} (grade {self.grade}, {self.onset_date})"

    def clean(self):
        errors = {}
        if self.sponsor_reported_at and self.site_aware_at and \
                self.sponsor_reported_at < self.site_aware_at:
            errors["sponsor_reported_at"] = "is before the site became aware of the event."
        if self.grade == 5 and self.outcome and self.outcome != Outcome.FATAL:
            errors["outcome"] = "A grade 5 event is fatal by definition (CTCAE v5.0)."
        if errors:
            raise ValidationError(errors)
        super().clean()


class AdverseEventPart(ClinicalRecord):
    """A record that belongs to one adverse event (its details, DLT flags and decisions).

    Voiding the adverse event voids its details and DLT candidates with it, with the same
    reason; a signed decision refuses it (`DltAdjudication`)."""

    voided_with_parent = True

    class Meta:
        abstract = True

    @property
    def patient(self):
        return self.adverse_event.patient


class CrsDetails(AdverseEventPart):
    """The worst values of a CRS episode, from which the ASTCT grade is derived (Lee 2019)."""

    class Hypotension(models.TextChoices):
        NONE = "none", "None"
        FLUIDS = "fluids", "Fluids only, no vasopressor"
        ONE_VASOPRESSOR = "one_vasopressor", "One vasopressor (± vasopressin)"
        MULTIPLE = "multiple_vasopressors", "Several vasopressors (vasopressin not counted)"

    class Oxygen(models.TextChoices):
        NONE = "none", "None"
        LOW_FLOW = "low_flow", "Low-flow nasal cannula ≤ 6 L/min or blow-by"
        HIGH_FLOW = "high_flow", "High-flow > 6 L/min, face mask, non-rebreather or Venturi"
        POSITIVE_PRESSURE = "positive_pressure", "Positive pressure: CPAP, BiPAP, intubation"

    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT,
                                      related_name="crs_details")
    max_temp_c = models.FloatField("highest temperature (°C)",
                                   validators=[BODY_TEMPERATURE_C.validator()])
    hypotension = models.CharField(max_length=25, choices=Hypotension.choices)
    oxygen = models.CharField(max_length=20, choices=Oxygen.choices)
    died_of_crs = models.BooleanField("death due to CRS", default=False)
    fever_masked = models.BooleanField(
        "fever masked by antipyretics or anti-cytokine therapy", default=False,
        help_text="Fever once present still counts after tocilizumab or steroids.")

    class Meta:
        verbose_name = "CRS details"
        verbose_name_plural = "CRS details"
        constraints = [one_active_per("adverse_event", "crsdetails"),
                       *range_checks("crsdetails", max_temp_c=BODY_TEMPERATURE_C)]


class IcansDetails(AdverseEventPart):
    """The domains of an ICANS episode (ASTCT 2019); ICE for ages ≥ 12, CAPD below."""

    class Instrument(models.TextChoices):
        ICE = "ICE", "ICE score (age ≥ 12)"
        CAPD = "CAPD", "CAPD (age < 12)"

    class Consciousness(models.TextChoices):
        NORMAL = "normal", "Normal"
        SPONTANEOUS = "awakens_spontaneously", "Awakens spontaneously"
        VOICE = "awakens_to_voice", "Awakens to voice"
        TOUCH = "awakens_to_touch", "Awakens only to tactile stimulus"
        UNAROUSABLE = "unarousable", "Unarousable, stupor or coma"

    class Seizure(models.TextChoices):
        NONE = "none", "None"
        RAPIDLY_RESOLVING = "rapidly_resolving", "Resolving rapidly or with intervention"
        PROLONGED = "prolonged_or_repetitive", "Prolonged (> 5 min) or repetitive"

    class CerebralEdema(models.TextChoices):
        NONE = "none", "None"
        FOCAL = "focal", "Focal oedema on imaging"
        DIFFUSE = "diffuse", "Diffuse oedema, posturing, CN VI palsy, papilloedema or Cushing's"

    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT,
                                      related_name="icans_details")
    instrument = models.CharField(max_length=4, choices=Instrument.choices,
                                  default=Instrument.ICE)
    ice_score = models.PositiveSmallIntegerField("ICE score (0–10)", null=True, blank=True,
                                                 validators=[ICE_SCORE.validator()])
    capd_score = models.PositiveSmallIntegerField("CAPD score", null=True, blank=True,
                                                  validators=[CAPD_SCORE.validator()])
    unable_to_assess = models.BooleanField(
        "unable to perform ICE/CAPD", default=False,
        help_text="Unarousable (ICE 0 for that reason) or unable to perform CAPD.")
    consciousness = models.CharField(max_length=25, choices=Consciousness.choices,
                                     default=Consciousness.NORMAL)
    seizure = models.CharField(max_length=25, choices=Seizure.choices, default=Seizure.NONE)
    motor_weakness = models.BooleanField("deep focal motor weakness", default=False)
    cerebral_edema = models.CharField(max_length=10, choices=CerebralEdema.choices,
                                      default=CerebralEdema.NONE)
    died_of_icans = models.BooleanField("death due to ICANS", default=False)

    class Meta:
        verbose_name = "ICANS details"
        verbose_name_plural = "ICANS details"
        constraints = [one_active_per("adverse_event", "icansdetails"),
                       *range_checks("icansdetails", ice_score=ICE_SCORE, capd_score=CAPD_SCORE)]

    def clean(self):
        errors = {}
        if self.instrument == self.Instrument.ICE and self.capd_score is not None:
            errors["capd_score"] = "A CAPD score is recorded only when CAPD is the instrument."
        if self.instrument == self.Instrument.CAPD and self.ice_score is not None:
            errors["ice_score"] = "An ICE score is recorded only when ICE is the instrument."
        # The AE may be unsaved (a casebook import validates whole patients in memory).
        adverse_event = getattr(self, "adverse_event", None)
        patient = getattr(adverse_event, "patient", None)
        if patient is not None and self.instrument:
            child = patient.age_at_consent < CAPD_AGE_LIMIT
            if child and self.instrument == self.Instrument.ICE:
                errors["instrument"] = (f"The patient was {patient.age_at_consent} at consent: "
                                        f"under {CAPD_AGE_LIMIT}, ICANS is screened with CAPD.")
            if not child and self.instrument == self.Instrument.CAPD:
                errors["instrument"] = (f"The patient was {patient.age_at_consent} at consent: "
                                        f"from {CAPD_AGE_LIMIT}, ICANS is screened with ICE.")
        if errors:
            raise ValidationError(errors)


class GvhdDetails(AdverseEventPart):
    """Acute GVHD staging (MAGIC, Harris 2016): organ stages and the overall grade."""

    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT,
                                      related_name="gvhd_details")
    skin_stage = models.PositiveSmallIntegerField(validators=[GVHD_STAGE.validator()])
    liver_stage = models.PositiveSmallIntegerField(validators=[GVHD_STAGE.validator()])
    upper_gi_stage = models.PositiveSmallIntegerField(validators=[UPPER_GI_STAGE.validator()])
    lower_gi_stage = models.PositiveSmallIntegerField(validators=[GVHD_STAGE.validator()])
    magic_grade = models.PositiveSmallIntegerField("overall MAGIC grade",
                                                   validators=[MAGIC_GRADE.validator()])

    class Meta:
        verbose_name = "GVHD details"
        verbose_name_plural = "GVHD details"
        constraints = [one_active_per("adverse_event", "gvhddetails"),
                       *range_checks("gvhddetails", skin_stage=GVHD_STAGE, liver_stage=GVHD_STAGE,
                                     upper_gi_stage=UPPER_GI_STAGE, lower_gi_stage=GVHD_STAGE,
                                     magic_grade=MAGIC_GRADE)]


class InfectionDetails(AdverseEventPart):
    """An infection: the kind of pathogen, the organism and the site. Its CTCAE grade is the
    adverse event's (CTCAE v5.0 grades an infection by its term: "Sepsis", "Lung infection")."""

    class Pathogen(models.TextChoices):
        BACTERIAL = "bacterial", "Bacterial"
        VIRAL = "viral", "Viral"
        FUNGAL = "fungal", "Fungal"
        OTHER = "other", "Other (e.g. parasitic)"
        UNKNOWN = "unknown", "Unknown (not identified)"

    class Site(models.TextChoices):
        BLOODSTREAM = "bloodstream", "Bloodstream"
        LOWER_RESPIRATORY = "lower_respiratory", "Lung, lower respiratory tract"
        UPPER_RESPIRATORY = "upper_respiratory", "Upper respiratory tract, sinuses"
        URINARY = "urinary", "Urinary tract"
        GASTROINTESTINAL = "gastrointestinal", "Gastrointestinal, abdominal"
        SKIN = "skin_soft_tissue", "Skin, soft tissue"
        CNS = "cns", "Central nervous system"
        CATHETER = "catheter", "Catheter or device"
        DISSEMINATED = "disseminated", "Disseminated (several sites)"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT,
                                      related_name="infection_details")
    pathogen_type = models.CharField(max_length=10, choices=Pathogen.choices)
    organism = models.CharField(
        max_length=100, blank=True, validators=[no_hidden_characters],
        help_text="e.g. Klebsiella pneumoniae, CMV, Aspergillus fumigatus; empty when not "
                  "identified.")
    site = models.CharField(max_length=20, choices=Site.choices)

    class Meta:
        verbose_name = "infection details"
        verbose_name_plural = "infection details"
        constraints = [one_active_per("adverse_event", "infectiondetails")]

    def clean(self):
        if self.pathogen_type == self.Pathogen.UNKNOWN and (self.organism or "").strip():
            raise ValidationError({"organism": (
                "An organism is named only when the pathogen is identified; choose its type "
                "(bacterial, viral, fungal or other) or empty the organism.")})


# ASTCT 2023 IEC-HS grading (Hines et al., Transplant Cell Ther 2023;29:438.e1-438.e16),
# in its words' sense: the grade follows what the syndrome needed and caused.
IEC_HS_GRADES = (
    (1, "1: asymptomatic or mild; observation or evaluation only"),
    (2, "2: mild to moderate; intervention needed (IEC-HS-directed immunosuppression, or "
        "transfusion for asymptomatic hypofibrinogenaemia)"),
    (3, "3: severe or medically significant, not immediately life-threatening (e.g. "
        "coagulopathy with bleeding needing transfusion; hospitalisation or its prolongation)"),
    (4, "4: life-threatening; urgent intervention (e.g. life-threatening bleeding or "
        "hypotension, respiratory failure needing ventilation, renal failure needing dialysis)"),
    (5, "5: death"),
)
FERRITIN_NG_ML = Range(0, 1_000_000, "a ferritin in ng/mL (above 0, up to 1,000,000)",
                       low_exclusive=True)


class IecHsDetails(AdverseEventPart):
    """Immune effector cell-associated HLH-like syndrome (ASTCT 2023): its onset, the ferritin
    peak, which of the ASTCT manifestations were present, and the ASTCT 2023 grade, which is the
    adverse event's grade."""

    CRITERIA = ("hyperferritinaemia", "transaminase_elevation", "hypofibrinogenaemia",
                "cytopenias", "haemophagocytosis", "coagulopathy")

    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT,
                                      related_name="iec_hs_details")
    onset_date = models.DateField("IEC-HS onset")
    ferritin_peak_ng_ml = models.FloatField(
        "ferritin peak (ng/mL)", null=True, blank=True,
        validators=[FERRITIN_NG_ML.validator()], help_text="ng/mL, the same number as µg/L.")
    hyperferritinaemia = models.BooleanField(
        "hyperferritinaemia", default=False,
        help_text="> 2 × upper limit of normal or baseline, and/or rapidly rising.")
    transaminase_elevation = models.BooleanField(
        "hepatic transaminase elevation", default=False,
        help_text="> 5 × upper limit of normal when the baseline was normal.")
    hypofibrinogenaemia = models.BooleanField(
        "hypofibrinogenaemia", default=False, help_text="Fibrinogen < 150 mg/dL (1.5 g/L).")
    cytopenias = models.BooleanField(
        "cytopenias", default=False, help_text="New, worsening or refractory.")
    haemophagocytosis = models.BooleanField(
        "haemophagocytosis", default=False, help_text="In bone marrow or another tissue.")
    coagulopathy = models.BooleanField(
        "coagulopathy", default=False, help_text="e.g. prolonged PT or aPTT.")
    astct_grade = models.PositiveSmallIntegerField(
        "ASTCT 2023 IEC-HS grade", choices=IEC_HS_GRADES,
        help_text="The adverse event's grade is this grade.")

    class Meta:
        verbose_name = "IEC-HS details"
        verbose_name_plural = "IEC-HS details"
        constraints = [one_active_per("adverse_event", "iechsdetails"),
                       *range_checks("iechsdetails", ferritin_peak_ng_ml=FERRITIN_NG_ML)]

    @property
    def criteria_met(self) -> list[str]:
        return [name for name in self.CRITERIA if getattr(self, name)]

    def clean(self):
        errors = {}
        event = getattr(self, "adverse_event", None)
        if event is not None and self.astct_grade and event.grade \
                and self.astct_grade != event.grade:
            errors["astct_grade"] = (f"The adverse event is grade {event.grade}: the ASTCT IEC-HS "
                                     "grade is the event's grade. Correct one of them.")
        if event is not None and self.onset_date and event.onset_date:
            if self.onset_date < event.onset_date:
                errors["onset_date"] = (f"is before the adverse event's onset "
                                        f"({event.onset_date}).")
            elif event.resolution_date and self.onset_date > event.resolution_date:
                errors["onset_date"] = (f"is after the adverse event's resolution "
                                        f"({event.resolution_date}).")
        if errors:
            raise ValidationError(errors)


class DltRule(models.TextChoices):
    D1 = "D1", "D1: any grade 5 event"
    D2 = "D2", "D2: grade 4 CRS, or grade 3 CRS not improving within the limit"
    D3 = "D3", "D3: grade ≥ 3 ICANS beyond the limit, or any grade 4 ICANS"
    D4 = "D4", "D4: grade ≥ 3 non-haematological toxicity beyond the limit"
    D5 = "D5", "D5: grade 4 neutropenia/thrombocytopenia not recovered"
    D6 = "D6", "D6: acute GVHD at or above the threshold grade"
    INVESTIGATOR = "INV", "Raised by an investigator"


class DltCandidate(AdverseEventPart):
    """An adverse event flagged as a possible DLT, by a rule or by an investigator.

    Candidates from rules are (re)computed when the AE changes; one the rules no longer support is
    voided with the reason, never deleted.
    """

    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT,
                                      related_name="dlt_candidates")
    rule = models.CharField(max_length=3, choices=DltRule.choices)
    explanation = models.CharField(max_length=300, validators=[visible_text_required])
    duration_pending = models.BooleanField(
        default=False, help_text="Raised before the resolution date that decides it is known.")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+",
                                  help_text="Empty when a rule raised it.")

    class Meta:
        verbose_name = "DLT candidate"
        constraints = [models.UniqueConstraint(
            fields=["adverse_event", "rule"], condition=models.Q(voided_at__isnull=True),
            name="dltcandidate_one_active_per_rule")]


class DltDecision(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed DLT"
    REJECTED = "rejected", "Not a DLT"


# A decision carried in by a casebook import was made before this EDC: it is kept, and counts,
# as a migrated legacy decision, never as an investigator's e-signature. Its printed name and
# meaning say so wherever a signature is shown; the meaning, a signature field no writer may
# change afterwards, is what marks it.
MIGRATED_SIGNER_NAME = "Migrated from a casebook bundle"
MIGRATED_MEANING = ("Migrated legacy decision, carried in by a casebook import: not an "
                    "e-signature made in this EDC.")
MIGRATED_RATIONALE = "Adjudicated before this database; imported from a casebook bundle."


class DltAdjudication(AdverseEventPart):
    """An investigator's signed decision on whether an adverse event is a DLT.

    The e-signature (21 CFR Part 11 §11.50) is the signer, the printed name, the time and the
    meaning. A signed decision is read-only; it is revoked with a reason (and a new one signed).
    A migrated decision (`is_migrated`) is a casebook import's, attributed to the importing user.
    An investigator revokes it, never a void of its adverse event as a side effect.
    """

    voided_with_parent = False
    parent_void_refusal = (
        "this adverse event has a signed DLT decision. An investigator must first revoke the "
        "decision on the DLT review page; then the event can be voided.")

    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT,
                                      related_name="dlt_adjudications")
    decision = models.CharField(max_length=10, choices=DltDecision.choices)
    rationale = models.TextField(validators=[visible_text_required])
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    signer_printed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    signature_meaning = models.CharField(max_length=200, default=(
        "I confirm, as investigator, this decision on whether the event is a dose-limiting "
        "toxicity."))

    class Meta:
        verbose_name = "DLT adjudication"
        constraints = [one_active_per("adverse_event", "dltadjudication")]

    @property
    def is_migrated(self) -> bool:
        """Carried in by a casebook import, not e-signed by an investigator in this EDC."""
        return self.signature_meaning == MIGRATED_MEANING


class Drug(models.TextChoices):
    """The CAR-T toxicity treatments first (ASTCT/EBMT management of CRS and ICANS), then any
    other medication as "Other, specify"."""

    TOCILIZUMAB = "tocilizumab", "Tocilizumab"
    CORTICOSTEROID = "corticosteroid", "Corticosteroid"
    ANAKINRA = "anakinra", "Anakinra"
    SILTUXIMAB = "siltuximab", "Siltuximab"
    VASOPRESSOR = "vasopressor", "Vasopressor"
    ANTISEIZURE = "antiseizure_prophylaxis", "Antiseizure prophylaxis"
    IVIG = "ivig", "IVIG"
    ANTI_INFECTIVE = "anti_infective", "Anti-infective"
    TRANSFUSION = "transfusion", "Transfusion"
    OTHER = "other", "Other, specify"


class DoseUnit(models.TextChoices):
    MG = "mg", "mg"
    MG_KG = "mg/kg", "mg/kg"
    MG_M2 = "mg/m2", "mg/m²"
    G = "g", "g"
    G_KG = "g/kg", "g/kg"
    UG_KG_MIN = "ug/kg/min", "µg/kg/min"
    UNITS = "units", "units"
    ML = "mL", "mL"
    ML_KG = "mL/kg", "mL/kg"


class Route(models.TextChoices):
    IV = "iv", "Intravenous"
    ORAL = "oral", "Oral"
    SC = "sc", "Subcutaneous"
    IM = "im", "Intramuscular"
    INTRATHECAL = "intrathecal", "Intrathecal"
    OTHER = "other", "Other"


class ConcomitantMedication(TimelineChecked, ClinicalRecord):
    """A medication given beside RD13-02, the toxicity treatments first; optionally linked to the
    adverse event (CRS, ICANS or other) it treated, an event of the same patient (EC-CM-03)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="concomitant_medications")
    drug = models.CharField(max_length=25, choices=Drug.choices)
    drug_specify = models.CharField(
        "agent or product (specify)", max_length=200, blank=True,
        validators=[no_hidden_characters],
        help_text='Required with "Other, specify"; otherwise optional, e.g. dexamethasone, '
                  "norepinephrine, platelets. Never sent to the sponsor.")
    dose = models.FloatField(null=True, blank=True,
                             help_text="Required for a corticosteroid (EC-CM-02: not negative).")
    dose_unit = models.CharField("unit", max_length=10, choices=DoseUnit.choices, blank=True)
    route = models.CharField(max_length=12, choices=Route.choices, blank=True)
    start_date = models.DateField()
    stop_date = models.DateField(null=True, blank=True)
    ongoing = models.BooleanField(default=False, help_text="Still given: no stop date.")
    indication = models.CharField(
        max_length=200, blank=True, validators=[no_hidden_characters],
        help_text="Free text, e.g. CRS grade 2; never sent to the sponsor.")
    treated_event = models.ForeignKey(
        AdverseEvent, verbose_name="adverse event treated", null=True, blank=True,
        on_delete=models.PROTECT, related_name="treatments",
        help_text="The patient's CRS, ICANS or other adverse event this medication treated.")

    TIMELINE = ("clinical", ("start_date", "stop_date"))
    # The medication was given: voiding its patient or the event it treated does not void it.
    parent_void_refusal = (
        "a current concomitant medication belongs to this record or names it as the event it "
        "treated: edit the medication (unlink the event) or void it first.")

    class Meta:
        verbose_name = "concomitant medication"
        ordering = ["patient", "start_date", "id"]
        constraints = [
            *range_checks("concomitantmedication", dose=NON_NEGATIVE),
            models.CheckConstraint(
                condition=models.Q(stop_date__isnull=True)
                | models.Q(stop_date__gte=models.F("start_date")),
                name="concomitantmedication_stop_after_start",
                violation_error_message="stop_date: must be on or after the start date.",
            ),
        ]

    @property
    def drug_name(self) -> str:
        """The medication as the site names it: "Tocilizumab", "Corticosteroid (dexamethasone)",
        and an "Other, specify" by what was specified ("Ruxolitinib")."""
        specified = (self.drug_specify or "").strip()
        if self.drug == Drug.OTHER:
            return specified or self.get_drug_display()
        return f"{self.get_drug_display()} ({specified})" if specified else \
            self.get_drug_display()

    def clean(self):
        errors = {}
        if self.drug == Drug.OTHER and not (self.drug_specify or "").strip():
            errors["drug_specify"] = 'Required when the drug is "Other, specify".'
        if self.drug == Drug.CORTICOSTEROID and self.dose is None:
            errors["dose"] = "A corticosteroid is recorded with its dose."
        if self.dose is not None and not self.dose_unit:
            errors["dose_unit"] = "Give the unit of the dose."
        if self.ongoing and self.stop_date is not None:
            errors["stop_date"] = "An ongoing medication has no stop date; untick 'ongoing'."
        elif not self.ongoing and self.stop_date is None:
            errors["stop_date"] = "Give the stop date, or tick 'ongoing'."
        if errors:
            raise ValidationError(errors)
        super().clean()


class SecondaryMalignancy(TimelineChecked, ClinicalRecord):
    """A new malignancy after RD13-02, and whether its tissue went for CAR-transgene testing.

    The FDA's 2024 class warning on T-cell malignancies after BCMA- and CD19-directed
    autologous CAR-T cell therapies asks that every secondary malignancy be tested for the CAR
    transgene (the manufacturer's long-term follow-up); a CD7 CAR-T made with the same kind of
    vector carries the same question."""

    class Type(models.TextChoices):
        T_CELL = "t_cell", "T-cell malignancy (lymphoma or leukaemia)"
        B_CELL = "b_cell", "B-cell malignancy"
        MYELOID = "myeloid", "Myeloid neoplasm (MDS, AML, MPN)"
        OTHER_HAEMATOLOGICAL = "other_haematological", "Other haematological malignancy"
        SOLID = "solid", "Solid tumour"
        SKIN = "non_melanoma_skin", "Non-melanoma skin cancer"

    class TransgeneResult(models.TextChoices):
        POSITIVE = "positive", "Positive: CAR transgene detected in the tumour"
        NEGATIVE = "negative", "Negative"
        PENDING = "pending", "Pending"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="secondary_malignancies")
    diagnosis_date = models.DateField()
    malignancy_type = models.CharField(max_length=25, choices=Type.choices)
    sample_sent = models.BooleanField(
        "sample sent for CAR-transgene testing", default=False,
        help_text="Tumour tissue or blood sent to test for the CAR transgene.")
    sample_sent_date = models.DateField("date the sample was sent", null=True, blank=True)
    transgene_result = models.CharField("CAR-transgene result", max_length=10, blank=True,
                                        choices=TransgeneResult.choices)

    TIMELINE = ("clinical", ("diagnosis_date", "sample_sent_date"))

    class Meta:
        ordering = ["patient", "diagnosis_date", "id"]
        verbose_name_plural = "secondary malignancies"

    def clean(self):
        errors = {}
        if self.sample_sent:
            if self.sample_sent_date is None:
                errors["sample_sent_date"] = "required when a sample was sent."
            if not self.transgene_result:
                errors["transgene_result"] = ("required when a sample was sent: positive, "
                                              "negative, or pending until it is known.")
        else:
            if self.sample_sent_date is not None:
                errors["sample_sent_date"] = "only when a sample was sent."
            if self.transgene_result:
                errors["transgene_result"] = "only when a sample was sent."
        if errors:
            raise ValidationError(errors)
        super().clean()


class RclTest(TimelineChecked, ClinicalRecord):
    """A replication-competent lentivirus (RCL) test of the patient's blood at a timepoint of the
    schedule `patients.schedule.RCL_TESTS` (months 3, 6 and 12 after the first infusion, then
    yearly)."""

    class Result(models.TextChoices):
        NEGATIVE = "negative", "Negative"
        POSITIVE = "positive", "Positive: replication-competent vector detected"
        PENDING = "pending", "Pending"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="rcl_tests")
    timepoint = models.CharField(max_length=3, choices=[(w.key, w.key) for w in RCL_TESTS])
    sample_date = models.DateField("date sampled")
    result = models.CharField(max_length=10, choices=Result.choices)

    TIMELINE = ("clinical", ("sample_date",))

    class Meta:
        ordering = ["patient", "sample_date", "id"]
        verbose_name = "RCL test"
        constraints = [models.UniqueConstraint(
            fields=["patient", "timepoint"], condition=models.Q(voided_at__isnull=True),
            name="rcltest_one_active_per_timepoint",
            violation_error_message="This timepoint's RCL test is already recorded.")]
