"""The demo trial's forms added for the CAR-T team, drawn for a patient the older generator made.

`exchange.demo_trial` draws the patients, the course, the AEs and the PK with its own random
sequence; this module reads what it made (dates, AEs, weight, death) and adds, from a second
`random.Random` seeded from the same seed, what the newer CRFs hold: the product lot and donor
of each infusion, medical history, prior therapies, eligibility, disease at screening, bridging
therapy, vital signs, concomitant medications, laboratory results, infection and IEC-HS adverse
events, secondary malignancies, RCL tests and long-term follow-up visits. The older fields keep
their values for a seed (the endpoints of the demo do not move); the new ones agree with them:

- the lot's CAR+ viable cells ÷ the infusion's weight is the dose of the infusion's level
  (EC-INF-02), the lot is released for its patient before the infusion (EC-INF-03/04) and thawed
  after receipt and before the 10:00 start (EC-INF-05; times of day are the study's time zone's:
  `time_zone`, settings.TIME_ZONE for `seed_demo`);
- an ANC or platelet count of grade ≥ 3 falls inside a neutropenia or thrombocytopenia AE of
  that grade (the grade-4 AE has a grade-4 count), the AE's resolution day has a count of
  grade ≤ 2, and no count of grade ≥ 3 lies outside an AE: D5 read from the counts is D5 read
  from the AE records, and the data review's `cytopenia_not_recorded` finds nothing;
- a ferritin above 2 × ULN after day 0 is drawn only inside an IEC-HS AE, so the review's
  `iec_hs_labs_not_recorded` finds nothing either;
- tocilizumab, corticosteroids and vasopressors name the CRS or ICANS they treated and are given
  within its onset–resolution span; transfusions, G-CSF and anti-infectives name the cytopenia or
  infection they treated;
- nothing is dated after death, and nothing new after the last date known alive (so the
  survival censoring does not move); no soft edit check is broken.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from patients.schedule import LTFU_VISITS, RCL_TESTS

CRS = "Cytokine release syndrome"
ICANS = "Immune effector cell-associated neurotoxicity syndrome"
IEC_HS = "Immune effector cell-associated HLH-like syndrome"
NEUTROPENIA = "Neutrophil count decreased"
THROMBOCYTOPENIA = "Platelet count decreased"
LYMPHOPENIA = "Lymphocyte count decreased"

# Study days of the scheduled samples (and of each cytopenia's onset, worst day and resolution).
HAEMATOLOGY_DAYS = (0, 3, 7, 10, 14, 21, 28, 56, 84, 182, 365)  # ANC and platelets
FULL_COUNT_DAYS = (0, 7, 14, 28, 84, 182, 365)  # haemoglobin and lymphocytes too
CHEMISTRY_DAYS = (0, 7, 14, 28)
INFLAMMATION_DAYS = (0, 7, 14)  # and each CRS's onset, peak and end (fibrinogen: day 0, peak)

# (grade ≤ 2 from, grade 3 from): counts in ×10⁹/L (CTCAE v5.0; a cut-off takes the milder grade)
CYTOPENIA_CUTS = {"anc": (1.0, 0.5), "platelets": (50.0, 25.0)}

# (term, pathogen, organism, site, anti-infective given)
INFECTIONS = (
    ("Lung infection", "bacterial", "Pseudomonas aeruginosa", "lower_respiratory",
     "piperacillin-tazobactam"),
    ("Upper respiratory infection", "viral", "Rhinovirus", "upper_respiratory", None),
    ("Urinary tract infection", "bacterial", "Escherichia coli", "urinary", "ceftriaxone"),
    ("Catheter related infection", "bacterial", "Staphylococcus epidermidis", "catheter",
     "vancomycin"),
    ("Cytomegalovirus infection reactivation", "viral", "CMV", "bloodstream", "ganciclovir"),
    ("Herpes simplex reactivation", "viral", "HSV-1", "skin_soft_tissue", "aciclovir"),
    ("Enterocolitis infectious", "bacterial", "Clostridioides difficile", "gastrointestinal",
     "vancomycin (oral)"),
    ("Lung infection", "unknown", "", "lower_respiratory", "meropenem"),
)
SEVERE_INFECTIONS = (
    ("Sepsis", "bacterial", "Klebsiella pneumoniae", "bloodstream", "meropenem"),
    ("Lung infection", "fungal", "Aspergillus fumigatus", "lower_respiratory", "voriconazole"),
)
CONDITIONS = (  # (condition, ongoing at screening, adults only)
    ("Hepatitis B, resolved (anti-HBc positive)", False, False),
    ("Asthma", True, False),
    ("Hypertension", True, True),
    ("Type 2 diabetes mellitus", True, True),
    ("Depression", True, True),
    ("Avascular necrosis of the femoral head (after steroids)", True, False),
    ("Steroid-induced hyperglycaemia", False, False),
    ("Invasive pulmonary aspergillosis, treated", False, False),
    ("Peripheral neuropathy (vincristine)", True, False),
    ("Hypothyroidism", True, True),
)
BRIDGING = ("dexamethasone + vincristine", "venetoclax + azacitidine", "cyclophosphamide + "
            "etoposide", "nelarabine", "dexamethasone", "hydroxyurea")
LTFU_THERAPIES = ("salvage chemotherapy (nelarabine, cyclophosphamide, etoposide)",
                  "venetoclax-based salvage", "donor lymphocyte infusion")


def seriousness(serious: bool) -> dict:
    """The AE's seriousness criteria: a serious demo event is one that led to hospitalisation."""
    return {"sae_death": False, "sae_life_threatening": False, "sae_hospitalisation": serious,
            "sae_disability": False, "sae_congenital_anomaly": False,
            "sae_medically_important": False}


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _at(day: date, hour: int, minute: int = 0, zone: ZoneInfo | None = None) -> str:
    """A date-time as a bundle writes it: in UTC, or at that local time of `zone`."""
    if zone is None or zone.key == "UTC":
        return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00Z"
    return datetime.combine(day, time(hour, minute), tzinfo=zone).isoformat()


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class _Patient:
    """What the older generator decided for one patient, as dates and study days."""

    def __init__(self, patient: dict, zone: ZoneInfo):
        self.data = patient
        self.zone = zone  # the study's: samples and vital signs are timed in it
        self.adult = patient["age_at_consent"] >= 18
        self.child = patient["age_at_consent"] < 12
        self.male = patient["sex"] == "M"
        self.consent = _d(patient["consent_date"])
        self.enrollment = _d(patient["enrollment_date"])
        infusions = patient.get("infusions") or []
        self.infusion = infusions[0] if infusions else None
        self.day0 = _d(self.infusion["date"]) if self.infusion else None
        ld = patient.get("lymphodepletion")
        self.ld_start = _d(ld["start_date"]) if ld else None
        death = patient.get("death")
        self.death = _d(death["date"]) if death else None
        off = patient.get("off_study")
        alive = patient.get("last_known_alive_date")
        # New records end at death, else at the last date known alive (no new contact).
        self.limit = self.death or (_d(alive) if alive else _d(off["date"]) if off
                                    else self.enrollment)
        self.weight = self.infusion["weight_kg"] if self.infusion else None
        self.events = patient.get("adverse_events") or []
        relapses = patient.get("disease_events") or []
        self.relapse_day = self.day(_d(relapses[0]["date"])) if relapses else None
        self.limit_day = self.day(self.limit) if self.day0 else None
        self._dates: dict[int, date] = {}

    def on(self, day: int) -> date:
        found = self._dates.get(day)
        if found is None:
            found = self._dates[day] = self.day0 + timedelta(days=day)
        return found

    def day(self, when: date) -> int:
        return (when - self.day0).days

    def span(self, term: str) -> tuple[int, int | None, int, int] | None:
        """(onset day, resolution day or None, grade, index) of the first AE of `term`."""
        for index, event in enumerate(self.events):
            if event["term"] == term:
                resolved = event["resolution_date"]
                return (self.day(_d(event["onset_date"])),
                        self.day(_d(resolved)) if resolved else None, event["grade"], index)
        return None


class _Collector:
    """The patient's new lists, filled in any order and sorted at the end."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self.labs: dict[tuple[date, str], dict] = {}
        self.stamps: dict[date, str] = {}
        self.medications: list[dict] = []
        self.vitals: list[dict] = []
        self.events: list[dict] = []

    def lab(self, when: date, test: str, value: float, unit: str, ref: tuple,
            below: bool = False):
        stamp = self.stamps.get(when)
        if stamp is None:
            stamp = self.stamps[when] = _at(when, 7, zone=self.zone)
        self.labs[(when, test)] = {
            "collected_at": stamp, "test": test, "value": value, "unit": unit,
            "below_detection": below, "ref_low": ref[0], "ref_high": ref[1]}

    def medication(self, drug: str, start: date, stop: date | None, *, specify=None, dose=None,
                   unit=None, route=None, indication=None, treated=None):
        self.medications.append({
            "drug": drug, "drug_specify": specify, "dose": dose, "dose_unit": unit,
            "route": route, "start_date": start.isoformat(),
            "stop_date": stop.isoformat() if stop else None, "ongoing": stop is None,
            "indication": indication, "treated_adverse_event": treated})


def add_forms(rng: random.Random, patient: dict, study: dict, time_zone: str = "UTC") -> None:
    """Adds the newer forms' keys to `patient` (in place), and its donor and lots to `study`'s
    `donors` and `product_lots`. `time_zone` is the study's (settings.TIME_ZONE): the one the
    infusion's 10:00 start is read in."""
    zone = ZoneInfo(time_zone)
    p = _Patient(patient, zone)
    out = _Collector(zone)
    screening = p.consent + timedelta(days=rng.randint(0, (p.enrollment - p.consent).days))
    patient["medical_history"] = _medical_history(rng, p)
    patient["prior_therapies"] = _prior_therapies(rng, p)
    patient["eligibility"] = {"assessed_on": screening.isoformat(), "age_in_range": True,
                              "cd7_positive_disease": True, "relapsed_or_refractory": True,
                              "adequate_organ_function": True, "performance_status_ok": True,
                              "no_active_infection": True, "no_active_gvhd": True,
                              "not_pregnant": True}
    patient["disease_at_screening"] = _disease_at_screening(rng, p, screening)
    _screening_vitals(rng, p, out, screening)
    _screening_labs(rng, p, out, screening)
    _product(rng, p, study)
    if p.day0 is None:
        patient["bridging_therapies"] = []
    else:
        patient["bridging_therapies"] = _bridging(rng, p)
        _infusion_times(rng, p)
        _infusion_vitals(rng, p, out)
        _infections(rng, p, out)
        iec_hs = _iec_hs(rng, p, out)
        _crs_and_icans(rng, p, out)
        _prophylaxis(rng, p, out)
        _counts(rng, p, out)
        _chemistry_and_inflammation(rng, p, out, iec_hs)
        patient["adverse_events"] = p.events + out.events
    patient["vital_signs"] = sorted(out.vitals, key=lambda v: v["measured_at"])
    patient["lab_results"] = sorted(out.labs.values(),
                                    key=lambda r: (r["collected_at"], r["test"]))
    patient["concomitant_medications"] = out.medications
    patient["secondary_malignancies"] = _secondary_malignancies(rng, p) if p.day0 else []
    patient["rcl_tests"] = _rcl_tests(rng, p) if p.day0 else []
    patient["ltfu_visits"] = _ltfu_visits(rng, p) if p.day0 else []


# --- Baseline -------------------------------------------------------------------------------

def _medical_history(rng, p: _Patient) -> list[dict]:
    offered = [c for c in CONDITIONS if p.adult or not c[2]]
    chosen = rng.sample(offered, rng.choices([0, 1, 2, 3], [30, 40, 20, 10])[0])
    history = []
    for condition, ongoing, _adult in chosen:
        start = p.consent - timedelta(days=rng.randint(120, 3000))
        history.append({"condition": condition, "ongoing": ongoing,
                        "start": str(start.year) if rng.random() < 0.4 else _month(start)})
    return history


def _prior_therapies(rng, p: _Patient) -> list[dict]:
    """Lines of therapy counted back from consent: the last ends 2–8 weeks before it."""
    lines = rng.choices([1, 2, 3, 4], [25, 40, 25, 10])[0]
    hsct = lines >= 2 and rng.random() < 0.45  # consolidating the line before the last
    car_t = lines >= 2 and rng.random() < 0.07
    end = p.consent - timedelta(days=rng.randint(14, 60))
    next_start = p.consent  # the next line's start: a transplant consolidates before it
    therapies = []
    for line in range(lines, 0, -1):
        start = end - timedelta(days=rng.randint(60, 200))
        if line == 1:
            regimen = ("hyper-CVAD" if p.adult else
                       "BFM induction (prednisone, vincristine, daunorubicin, PEG-asparaginase)")
            response = rng.choices(["CR", "PR", "PD"], [75, 15, 10])[0]
            response = "CR" if hsct and line == lines - 1 else response
        elif car_t and line == lines:
            regimen, response = "autologous CD7 CAR-T", rng.choice(["CR", "CR", "PR"])
        else:
            regimen = rng.choice(["nelarabine, cyclophosphamide, etoposide", "FLAG-Ida",
                                  "venetoclax + decitabine", "daratumumab + chemotherapy"])
            response = rng.choices(["CR", "PR", "SD", "PD"], [30, 25, 20, 25])[0]
            response = "CR" if hsct and line == lines - 1 else response
        kind = "car_t" if regimen.endswith("CAR-T") else (
            "targeted" if "daratumumab" in regimen or "venetoclax" in regimen else "chemotherapy")
        therapies.append({"line_number": line, "therapy_type": kind, "regimen": regimen,
                          "start": _month(start), "end": _month(end), "best_response": response,
                          "hsct_donor_type": None,
                          "car_t_target": rng.choice(["CD7", "CD7", "CD5"])
                          if kind == "car_t" else None})
        gap = (next_start - end).days  # to the next line: the transplant, then the relapse
        if hsct and line == lines - 1 and gap >= 45:
            transplant = end + timedelta(days=rng.randint(15, min(90, gap - 30)))
            therapies.append({
                "line_number": line, "therapy_type": "hsct",
                "regimen": rng.choice(["TBI + cyclophosphamide", "busulfan + fludarabine",
                                       "TBI + etoposide"]),
                "start": transplant.isoformat(), "end": None, "best_response": "CR",
                "hsct_donor_type": rng.choice(["haploidentical", "matched_sibling",
                                               "matched_unrelated"]),
                "car_t_target": None})
        next_start = start
        end = start - timedelta(days=rng.randint(30, 500))
    return sorted(therapies, key=lambda t: (t["line_number"], t["start"]))


def _disease_at_screening(rng, p: _Patient, screening: date) -> dict:
    lbl = p.data["diagnosis"] == "T-LBL"
    sites = {"em_mediastinum": 0.7 if lbl else 0.15, "em_lymph_nodes": 0.4 if lbl else 0.15,
             "em_liver_spleen": 0.1, "em_skin": 0.02, "em_testis": 0.03 if p.male else 0.0,
             "em_bone": 0.03, "em_pleura_pericardium": 0.08 if lbl else 0.03}
    data = {"assessed_on": screening.isoformat(),
            "cns_status": rng.choices(["CNS1", "CNS2", "CNS3", "not_assessed"],
                                      [82, 8, 5, 5])[0]}
    data.update({name: rng.random() < chance for name, chance in sites.items()})
    data["em_other"] = "tonsil" if rng.random() < 0.01 else None
    return data


def _bridging(rng, p: _Patient) -> list[dict]:
    """Ends before lymphodepletion starts (EC-BRIDGE-01), with its end date (EC-BRIDGE-02)."""
    if rng.random() >= 0.55:
        return []
    start = p.enrollment + timedelta(days=rng.randint(0, 1))
    end = max(start, p.ld_start - timedelta(days=rng.randint(1, 2)))
    return [{"regimen": rng.choice(BRIDGING), "start_date": start.isoformat(),
             "end_date": end.isoformat()}]


# --- The product -----------------------------------------------------------------------------

def _product(rng, p: _Patient, study: dict) -> None:
    """One donor per patient; the infused lot released for the patient, whose CAR+ viable cells
    are the recorded total (the level's dose at the recorded weight); now and then a first lot
    rejected for a positive sterility, or a lot left in quarantine when the patient went off
    study before lymphodepletion."""
    number = f"{int(p.data['subject_id'].split('-')[-1]):05d}"
    code = f"D-{number}"
    if p.infusion is None and rng.random() >= 0.5:
        return
    made_from = (p.day0 - timedelta(days=rng.randint(8, 14)) if p.day0 else
                 p.enrollment + timedelta(days=rng.randint(0, 3)))
    matched = rng.randint(5, 10)
    study["donors"].append({
        "donor_code": code, "hla_match": f"{matched}/10",
        "hla_typing": "A*{:02d}:01,A*{:02d}:01; B*{:02d}:02,B*{:02d}:01".format(
            *rng.sample(range(1, 35), 2), *rng.sample(range(7, 58), 2)),
        "eligibility_date": (made_from - timedelta(days=rng.randint(7, 30))).isoformat()})
    if p.infusion is None:
        study["product_lots"].append(_lot(rng, f"L-{number}", code, made_from, 7e6 * 50,
                                          90.0, status="quarantined"))
        return
    if rng.random() < 0.03:
        rejected = made_from - timedelta(days=rng.randint(14, 21))
        study["product_lots"].append(_lot(rng, f"L-{number}-R", code, rejected,
                                          p.infusion["total_cells"], 90.0, status="rejected"))
    study["product_lots"].append(_lot(
        rng, p.infusion["product_lot"], code, made_from, p.infusion["total_cells"],
        p.infusion["viability_pct"], status="released", released_for=p.data["subject_id"],
        release_date=p.day0 - timedelta(days=rng.randint(1, 4))))


def _lot(rng, number: str, donor: str, made: date, dose: float, viability: float, *,
         status: str, released_for=None, release_date=None) -> dict:
    car_pct = round(rng.uniform(40, 85), 1)
    viable_pct = round(min(99.0, viability + rng.uniform(0, 4)), 1)
    car_viable = float(f"{dose:.4g}")
    viable = float(f"{car_viable / (car_pct / 100):.4g}")
    sterility = "positive" if status == "rejected" else (
        "negative" if status == "released" else "pending")
    return {"lot_number": number, "donor": donor, "manufacture_date": made.isoformat(),
            "car_positive_pct": car_pct, "viability_pct": viable_pct,
            "total_nucleated_cells": float(f"{viable / (viable_pct / 100):.4g}"),
            "viable_cells": viable, "car_positive_viable_cells": car_viable,
            "sterility": sterility, "mycoplasma": "negative" if status != "quarantined"
            else "pending",
            "endotoxin_eu_per_ml": round(rng.uniform(0.1, 1.5), 2),
            "vector_copies_per_cell": round(rng.uniform(1.0, 4.5), 2),
            "release_status": status,
            "release_date": release_date.isoformat() if release_date else None,
            "released_for": released_for}


def _infusion_times(rng, p: _Patient) -> None:
    """Received in the morning, thaw started before the 10:00 start (the infusion's time is in
    the study's time zone, so these are too)."""
    p.infusion["received_at"] = _at(p.day0, 8, rng.choice([0, 15, 30]), zone=p.zone)
    p.infusion["thawed_at"] = _at(p.day0, 9, rng.choice([15, 25, 35, 40]), zone=p.zone)


# --- Vital signs ------------------------------------------------------------------------------

def _vitals(rng, p: _Patient, when: str, timepoint: str, *, temp=None, low_bp=False,
            oxygen="none") -> dict:
    systolic = rng.randint(78, 88) if low_bp else (rng.randint(95, 115) if p.child
                                                  else rng.randint(105, 135))
    spo2 = {"none": rng.uniform(96, 99.5), "low_flow": rng.uniform(92, 96),
            "high_flow": rng.uniform(89, 94), "positive_pressure": rng.uniform(86, 92)}[oxygen]
    fever = temp is not None and temp >= 38
    return {"measured_at": when, "timepoint": timepoint,
            "temperature_c": temp if temp is not None else round(rng.uniform(36.2, 37.3), 1),
            "heart_rate": rng.randint(95, 140 if fever else 125) if p.child
            else rng.randint(90 if fever else 62, 125 if fever else 92),
            "systolic_bp": systolic, "diastolic_bp": systolic - rng.randint(30, 45),
            "respiratory_rate": rng.randint(18, 28) if p.child else rng.randint(12, 22),
            "spo2_pct": round(spo2, 0), "oxygen_support": oxygen}


def _screening_vitals(rng, p: _Patient, out: _Collector, screening: date) -> None:
    out.vitals.append(_vitals(rng, p, _at(screening, 9, zone=p.zone), "screening"))


def _infusion_vitals(rng, p: _Patient, out: _Collector) -> None:
    out.vitals.append(_vitals(rng, p, _at(p.day0, 9, 45, zone=p.zone), "infusion"))
    out.vitals.append(_vitals(rng, p, _at(p.day0, 11, zone=p.zone), "infusion"))


# --- Adverse events the older generator does not make ------------------------------------------

def _event(rng, p: _Patient, term: str, grade: int, onset: int, duration: int,
           relatedness: str, **details) -> dict | None:
    """An AE as the older generator writes one, or None when it would start after the limit."""
    if onset > p.limit_day:
        return None
    end = onset + duration
    resolved = end <= p.limit_day
    serious = grade >= 3
    aware = _at(p.on(onset), 14)
    reported = _at(p.on(onset), 14 + rng.randint(2, 9)) if serious else None
    return {"term": term, "grade": grade, "onset_date": p.on(onset).isoformat(),
            "resolution_date": p.on(end).isoformat() if resolved else None,
            "serious": serious, **seriousness(serious), "relatedness": relatedness,
            "outcome": "recovered" if resolved else "not_recovered",
            "site_aware_at": aware if serious else None, "sponsor_reported_at": reported,
            "dlt_adjudication": None, **details}


def _index(p: _Patient, out: _Collector, event: dict) -> int:
    return len(p.events) + out.events.index(event)


def _within(p: _Patient, onset: int, resolved: int | None, offset: int) -> date:
    """A date `offset` days into an episode, kept inside it and before the limit."""
    last = min(resolved if resolved is not None else p.limit_day, p.limit_day)
    return p.on(max(onset, min(onset + offset, last)))


def _infections(rng, p: _Patient, out: _Collector) -> None:
    """About one patient in five: a grade-2 infection (grade 3 only after the DLT window), its
    details and the anti-infective given for it."""
    if rng.random() >= 0.2 or p.limit_day < 10:
        return
    onset = rng.randint(5, min(p.limit_day, 180))
    severe = onset > 28 and rng.random() < 0.3
    term, pathogen, organism, site, drug = rng.choice(SEVERE_INFECTIONS if severe
                                                      else INFECTIONS)
    event = _event(rng, p, term, 3 if severe else 2, onset, rng.randint(5, 14),
                   rng.choice(["possible", "unlikely"]),
                   infection={"pathogen_type": pathogen, "organism": organism or None,
                              "site": site})
    if event is None:
        return
    out.events.append(event)
    if drug:
        resolved = p.day(_d(event["resolution_date"])) if event["resolution_date"] else None
        start = _within(p, onset, resolved, rng.randint(0, 1))
        stop = _within(p, onset, resolved, rng.randint(4, 14))
        out.medication("anti_infective", start, max(start, stop), specify=drug,
                       route="oral" if "oral" in drug else "iv",
                       indication=term.lower(), treated=_index(p, out, event))


def _iec_hs(rng, p: _Patient, out: _Collector) -> tuple[int, int, float, bool] | None:
    """Now and then after a grade ≥ 2 CRS: a grade-2 IEC-HS (anakinra and dexamethasone).
    Returns what its labs must show: (onset day, last day of the span, ferritin peak,
    hypofibrinogenaemia)."""
    crs = p.span(CRS)
    if crs is None or crs[2] < 2 or crs[1] is None or rng.random() >= 0.1:
        return None
    onset = crs[1] + rng.randint(0, 3)
    duration = rng.randint(5, 12)
    peak = float(round(rng.uniform(4000, 25000), -1))
    hypofibrinogenaemia = rng.random() < 0.6
    event = _event(rng, p, IEC_HS, 2, onset, duration, "probable", iec_hs={
        "onset_date": p.on(onset).isoformat(), "ferritin_peak_ng_ml": peak,
        "hyperferritinaemia": True, "transaminase_elevation": True,
        "hypofibrinogenaemia": hypofibrinogenaemia, "cytopenias": True,
        "haemophagocytosis": rng.random() < 0.2, "coagulopathy": hypofibrinogenaemia,
        "astct_grade": 2})
    if event is None:
        return None
    out.events.append(event)
    last = min(onset + duration, p.limit_day)
    index = _index(p, out, event)
    stop = p.on(min(onset + rng.randint(4, duration), last))
    out.medication("anakinra", p.on(onset), stop, dose=2.0 if p.child else 100.0,
                   unit="mg/kg" if p.child else "mg", route="sc", indication="IEC-HS",
                   treated=index)
    out.medication("corticosteroid", p.on(onset), stop, specify="dexamethasone", dose=10.0,
                   unit="mg", route="iv", indication="IEC-HS", treated=index)
    return onset, last, peak, hypofibrinogenaemia


def _crs_and_icans(rng, p: _Patient, out: _Collector) -> None:
    """The treatments of the older generator's CRS and ICANS, linked and dated inside their
    episodes, and the vital signs of the CRS days."""
    crs = p.span(CRS)
    if crs is not None:
        onset, resolved, grade, index = crs
        details = p.events[index]["crs"]
        episode_end = min(resolved if resolved is not None else p.limit_day, p.limit_day)
        worst = min(onset + 1, episode_end)
        for day in range(onset, min(episode_end, onset + 3) + 1):
            peak = day == worst
            temp = details["max_temp_c"] if peak else round(
                rng.uniform(37.6, max(37.7, details["max_temp_c"] - 0.3)), 1)
            out.vitals.append(_vitals(rng, p, _at(p.on(day), 15, zone=p.zone), "during_crs",
                                      temp=temp, low_bp=peak and details["hypotension"] != "none",
                                      oxygen=details["oxygen"] if peak else "none"))
        label = f"CRS grade {grade}"
        if grade >= 2 or rng.random() < 0.2:
            doses = 2 if grade >= 3 else 1
            for n in range(doses):
                when = _within(p, onset, resolved, 1 + n)
                out.medication("tocilizumab", when, when, dose=8.0, unit="mg/kg", route="iv",
                               indication=label, treated=index)
        if grade >= 3:
            start = _within(p, onset, resolved, 1)
            out.medication("corticosteroid", start, _within(p, onset, resolved, 3),
                           specify="dexamethasone", dose=10.0, unit="mg", route="iv",
                           indication=label, treated=index)
        if details["hypotension"] in ("one_vasopressor", "multiple_vasopressors"):
            when = p.on(worst)
            out.medication("vasopressor", when, _within(p, onset, resolved, 2),
                           specify="norepinephrine", dose=round(rng.uniform(0.05, 0.2), 2),
                           unit="ug/kg/min", route="iv", indication=label, treated=index)
            if details["hypotension"] == "multiple_vasopressors":
                out.medication("vasopressor", when, when, specify="vasopressin", dose=0.03,
                               unit="units", route="iv", indication=label, treated=index)
    icans = p.span(ICANS)
    if icans is not None and (icans[2] >= 2 or rng.random() < 0.3):
        onset, resolved, grade, index = icans
        out.medication("corticosteroid", p.on(onset), _within(p, onset, resolved, 2),
                       specify="dexamethasone", dose=10.0, unit="mg", route="iv",
                       indication=f"ICANS grade {grade}", treated=index)


def _prophylaxis(rng, p: _Patient, out: _Collector) -> None:
    """Antiseizure prophylaxis for the first month; antiviral and PJP prophylaxis from the
    conditioning, ongoing or stopped at death; IVIG for some; transfusions and G-CSF for the
    grade-4 cytopenias."""
    def stop_at(day: int) -> date | None:
        if day <= p.limit_day:
            return p.on(day)
        return p.death  # still given at death: it stopped then; alive: ongoing

    if rng.random() < 0.7:
        out.medication("antiseizure_prophylaxis", p.day0, stop_at(rng.randint(28, 30)),
                       specify="levetiracetam", dose=10.0 if p.child else 500.0,
                       unit="mg/kg" if p.child else "mg", route="oral",
                       indication="seizure prophylaxis")
    out.medication("anti_infective", p.ld_start, stop_at(rng.randint(180, 365)),
                   specify="aciclovir", dose=10.0 if p.child else 400.0,
                   unit="mg/kg" if p.child else "mg", route="oral",
                   indication="HSV/VZV prophylaxis")
    out.medication("anti_infective", p.ld_start, stop_at(rng.randint(180, 365)),
                   specify="co-trimoxazole", dose=5.0 if p.child else 960.0,
                   unit="mg/kg" if p.child else "mg", route="oral",
                   indication="PJP prophylaxis")
    if rng.random() < 0.25 and p.limit_day >= 60:
        start = rng.randint(30, 60)
        out.medication("ivig", p.on(start), stop_at(start + rng.randint(90, 270)), dose=0.4,
                       unit="g/kg", route="iv", indication="hypogammaglobulinaemia")
    platelets = p.span(THROMBOCYTOPENIA)
    if platelets is not None and platelets[2] == 4:
        onset, resolved, _grade, index = platelets
        when = _within(p, onset, resolved, 2)
        out.medication("transfusion", when, when, specify="platelets", dose=1.0, unit="units",
                       route="iv", indication="thrombocytopenia", treated=index)
    neutrophils = p.span(NEUTROPENIA)
    if neutrophils is not None and neutrophils[2] == 4 and neutrophils[1] is not None \
            and neutrophils[1] - neutrophils[0] >= 12:
        onset, resolved, _grade, index = neutrophils
        start = _within(p, onset, resolved, 7)
        out.medication("other", start, _within(p, onset, resolved, 11), specify="filgrastim",
                       dose=0.005, unit="mg/kg", route="sc", indication="neutropenia",
                       treated=index)


# --- Laboratory results -----------------------------------------------------------------------

def _ranges(p: _Patient) -> dict:
    return {
        "anc": (1.5, 8.0) if p.child else (1.8, 7.5), "platelets": (150.0, 400.0),
        "haemoglobin": (110.0, 145.0) if not p.adult else (130.0, 170.0) if p.male
        else (120.0, 155.0),
        "lymphocytes": (1.5, 6.5) if p.child else (1.0, 4.0),
        "alt": (7.0, 40.0), "ast": (10.0, 40.0), "bilirubin": (3.0, 21.0),
        "creatinine": (25.0, 70.0) if p.child else (60.0, 110.0) if p.male else (45.0, 90.0),
        "crp": (None, 5.0), "ferritin": (10.0, 300.0) if not p.adult else (30.0, 400.0)
        if p.male else (15.0, 300.0), "il6": (None, 7.0), "fibrinogen": (2.0, 4.0)}


UNITS = {"anc": "10^9/L", "platelets": "10^9/L", "haemoglobin": "g/L", "lymphocytes": "10^9/L",
         "alt": "U/L", "ast": "U/L", "bilirubin": "umol/L", "creatinine": "umol/L",
         "crp": "mg/L", "ferritin": "ug/L", "il6": "pg/mL", "fibrinogen": "g/L"}
DECIMALS = {"anc": 2, "platelets": 0, "haemoglobin": 0, "lymphocytes": 2, "alt": 0, "ast": 0,
            "bilirubin": 0, "creatinine": 0, "crp": 1, "ferritin": 0, "il6": 1,
            "fibrinogen": 2}


def _put(out: _Collector, p: _Patient, ranges: dict, when: date, test: str, value: float,
         below: bool = False):
    out.lab(when, test, round(value, DECIMALS[test]), UNITS[test], ranges[test], below)


def _screening_labs(rng, p: _Patient, out: _Collector, screening: date) -> None:
    r = _ranges(p)
    values = {"anc": rng.uniform(1.2, 4.0), "platelets": rng.uniform(60, 220),
              "haemoglobin": rng.uniform(90, r["haemoglobin"][0]),
              "lymphocytes": rng.uniform(0.8, 2.5), "alt": rng.uniform(12, 45),
              "ast": rng.uniform(14, 40), "bilirubin": rng.uniform(5, 18),
              "creatinine": rng.uniform(r["creatinine"][0], r["creatinine"][1] * 0.9),
              "crp": rng.uniform(1, 12), "ferritin": rng.uniform(0.4, 1.5) * r["ferritin"][1],
              "fibrinogen": rng.uniform(2.2, 4.0)}
    for test, value in values.items():
        _put(out, p, r, screening, test, value)


def _count_value(rng, test: str, day: int, span, later: tuple) -> float:
    """A count on study `day` under the AE `span` (onset, resolution, grade) of its kind: grade
    ≥ 3 inside the span (grade 4 except the onset day of a grade-4 AE), grade ≤ 2 outside."""
    ok, grade3 = CYTOPENIA_CUTS[test]
    if span is not None:
        onset, resolved, grade = span
        if onset <= day and (resolved is None or day < resolved):
            if grade == 4 and day > onset:
                return rng.uniform(grade3 * 0.1, grade3 * 0.9)
            return rng.uniform(grade3 * 1.02, ok * 0.96)
        if resolved is not None and day == resolved:
            return rng.uniform(ok * 1.05, ok * 1.5)
    if day <= 14:
        return rng.uniform(ok * 1.05, ok * 1.8)
    if day <= 28:
        return rng.uniform(ok * 1.2, max(ok * 1.3, later[0]))
    return rng.uniform(*later)


def _counts(rng, p: _Patient, out: _Collector) -> None:
    """ANC and platelets through day 28 and beyond, haemoglobin and lymphocytes less often; the
    onset, the worst day and the resolution of each cytopenia AE are sampled too."""
    r = _ranges(p)
    cri = any(a["visit"] == "W4" and a["response"] == "CRi"
              for a in p.data.get("response_assessments") or [])
    spans = {}
    extra = set()
    for test, term in (("anc", NEUTROPENIA), ("platelets", THROMBOCYTOPENIA)):
        span = p.span(term)
        if span is not None:
            onset, resolved, grade, _index = span
            spans[test] = (onset, resolved, grade)
            extra.update({onset, onset + 1})
            if resolved is not None:
                extra.update({(onset + resolved) // 2, resolved})
    days = sorted(d for d in {*HAEMATOLOGY_DAYS, *extra} if d <= p.limit_day)
    for day in days:
        # Recovered: the normal range; a CRi at W4 keeps platelets < 100 × 10⁹/L (grade ≤ 2)
        # until W12.
        slow = cri and day <= 84
        later = {"anc": (1.1, 1.6) if slow else (1.6, 4.5),
                 "platelets": (55.0, 95.0) if slow else (110.0, 320.0)}
        for test in ("anc", "platelets"):
            value = _count_value(rng, test, day, spans.get(test), later[test])
            _put(out, p, r, p.on(day), test, value)
    lymph = p.span(LYMPHOPENIA)
    for day in (d for d in FULL_COUNT_DAYS if d <= p.limit_day):
        _put(out, p, r, p.on(day), "haemoglobin",
             rng.uniform(82, 105) if day <= 28 else rng.uniform(95, r["haemoglobin"][1] * 0.95))
        inside = lymph is not None and lymph[0] <= day and (lymph[1] is None or day < lymph[1])
        if inside:
            value, below = 0.05, rng.random() < 0.5
            value = value if below else rng.uniform(0.05, 0.18)
        else:
            value, below = rng.uniform(0.5, 0.79) if day <= 84 else rng.uniform(0.6, 1.4), False
        _put(out, p, r, p.on(day), "lymphocytes", value, below=below)


def _chemistry_and_inflammation(rng, p: _Patient, out: _Collector, iec_hs) -> None:
    """Chemistry at the scheduled days; CRP, IL-6, ferritin and fibrinogen at the scheduled days
    and on the CRS days (a rise with its grade); ferritin above 2 × ULN and the IEC-HS companions
    only inside an IEC-HS episode."""
    r = _ranges(p)
    uln_ferritin = r["ferritin"][1]
    baseline_ferritin = rng.uniform(0.3, 1.1) * uln_ferritin
    crs = p.span(CRS)
    crs_days = {}
    if crs is not None:
        onset, resolved, grade, _index = crs
        end = min(resolved if resolved is not None else p.limit_day, p.limit_day)
        for day in sorted({onset, min(onset + 1, end), end}):
            crs_days[day] = "onset" if day == onset else "end" if day == end else "peak"
    iec_days = {}
    if iec_hs is not None:
        onset, last, peak, _low_fibrinogen = iec_hs
        for n, day in enumerate(sorted({onset, min(onset + 2, last), min(onset + 5, last)})):
            iec_days[day] = peak if n == 1 or onset == last else peak * rng.uniform(0.4, 0.8)
    for day in (d for d in CHEMISTRY_DAYS if d <= p.limit_day):
        when = p.on(day)
        _put(out, p, r, when, "alt", rng.uniform(10, 60))
        _put(out, p, r, when, "ast", rng.uniform(12, 55))
        _put(out, p, r, when, "bilirubin", rng.uniform(4, 19))
        _put(out, p, r, when, "creatinine", rng.uniform(r["creatinine"][0] * 1.05,
                                                         r["creatinine"][1] * 0.95))
    grade = crs[2] if crs else 0
    days = sorted(d for d in {*INFLAMMATION_DAYS, *crs_days, *iec_days} if d <= p.limit_day)
    for day in days:
        when = p.on(day)
        phase = crs_days.get(day)
        scale = {None: 0.0, "onset": 0.5, "peak": 1.0, "end": 0.25}[phase]
        crp = rng.uniform(1, 10) + scale * rng.uniform(40, 80) * grade
        il6 = rng.uniform(1.5, 9) + scale * rng.uniform(20, 150) * grade ** 2
        if day in iec_days:
            ferritin = iec_days[day]
            _put(out, p, r, when, "alt", rng.uniform(5.5, 12) * r["alt"][1])
            _put(out, p, r, when, "ast", rng.uniform(5.5, 10) * r["ast"][1])
            fibrinogen = rng.uniform(0.9, 1.4) if iec_hs[3] else rng.uniform(1.6, 2.4)
        else:
            ferritin = min(1.95 * uln_ferritin,
                           baseline_ferritin * (1 + scale * rng.uniform(0.8, 2.0)))
            fibrinogen = rng.uniform(2.0, 4.5) if phase is None else rng.uniform(3.5, 6.0)
        _put(out, p, r, when, "crp", crp)
        if il6 < 2.0:
            _put(out, p, r, when, "il6", 1.5, below=True)
        else:
            _put(out, p, r, when, "il6", il6)
        _put(out, p, r, when, "ferritin", ferritin)
        if day == 0 or phase == "peak" or day in iec_days:
            _put(out, p, r, when, "fibrinogen", fibrinogen)


# --- Late follow-up ---------------------------------------------------------------------------

def _secondary_malignancies(rng, p: _Patient) -> list[dict]:
    if p.limit_day < 200 or rng.random() >= 0.02:
        return []
    day = rng.randint(180, p.limit_day)
    sent = min(day + rng.randint(3, 14), p.limit_day)
    return [{"diagnosis_date": p.on(day).isoformat(),
             "malignancy_type": rng.choice(["myeloid", "solid", "non_melanoma_skin"]),
             "sample_sent": True, "sample_sent_date": p.on(sent).isoformat(),
             "transgene_result": rng.choice(["negative", "pending"])}]


def _rcl_tests(rng, p: _Patient) -> list[dict]:
    """Each timepoint sampled inside its window (EC-RCL-01), up to the limit; the last results
    before the data date still pending."""
    tests = []
    for window in RCL_TESTS:
        day = window.target_day + rng.randint(-min(10, window.minus_days),
                                              min(10, window.plus_days))
        if day > p.limit_day:
            break
        sampled = p.on(day)
        tests.append({"timepoint": window.key, "sample_date": sampled.isoformat(),
                      "result": "pending" if (p.limit - sampled).days < 21 and p.death is None
                      else "negative"})
    return tests


def _ltfu_visits(rng, p: _Patient) -> list[dict]:
    """A yearly visit inside its window, up to the last date known alive; a death inside a
    window is that year's visit, dated on the death."""
    visits = []
    for window in LTFU_VISITS:
        low, high = window.low_day, window.high_day
        if p.death is not None:
            death_day = p.day(p.death)
            if low <= death_day <= high:
                visits.append({"visit": window.key, "contact_date": p.death.isoformat(),
                               "vital_status": "dead", "subsequent_therapy": None,
                               **dict.fromkeys(("new_malignancy", "new_neurological_disorder",
                                                "new_autoimmune_disorder",
                                                "new_haematological_disorder",
                                                "serious_infection",
                                                "subsequent_anticancer_therapy"))})
                break
        day = min(window.target_day + rng.randint(-20, 20), p.limit_day)
        if day < low:
            break
        relapsed = p.relapse_day is not None and p.relapse_day <= day
        malignancy = any(low - 365 < p.day(_d(m["diagnosis_date"])) <= day
                         for m in p.data.get("secondary_malignancies") or [])
        visits.append({"visit": window.key, "contact_date": p.on(day).isoformat(),
                       "vital_status": "alive", "new_malignancy": malignancy,
                       "new_neurological_disorder": False, "new_autoimmune_disorder": False,
                       "new_haematological_disorder": False,
                       "serious_infection": rng.random() < 0.05,
                       "subsequent_anticancer_therapy": relapsed,
                       "subsequent_therapy": rng.choice(LTFU_THERAPIES) if relapsed else None})
    return visits
