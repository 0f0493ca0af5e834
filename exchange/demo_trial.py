"""A synthetic trial that looks like the published CD7 CAR-T cohorts, as a casebook bundle.

Guided by the published experience with donor-derived and allogeneic CD7 CAR-T in r/r T-ALL/T-LBL
(e.g. Pan et al., J Clin Oncol 2021; Hu et al., Lancet Oncol 2022 for RD13-01): about 90% CR/CRi
by day 28, mostly MRD-negative; CRS in most patients, mostly grade 1–2; ICANS uncommon and mild;
little GVHD; profound cytopenias; CAR copies peaking around days 10–14; a share consolidated
with HSCT; relapses (some CD7-negative) and deaths over the first year.

Pure and deterministic: the same (patients, seed) gives the same bundle. Every record is valid by
construction (dates in order, nothing after death or the data date), and the import validates
it anyway. Nothing here is real patient data.
"""

import math
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from exchange.demo_forms import add_forms, seriousness

DOSE_LEVELS = ({"code": "DL1", "cells_per_kg": 5e6}, {"code": "DL2", "cells_per_kg": 1e7},
               {"code": "DL3", "cells_per_kg": 2e7})
FIRST_CONSENT = date(2023, 1, 9)
DATA_DATE = date(2025, 6, 30)
PK_DAYS = (0, 1, 4, 7, 10, 14, 21, 28, 56, 84, 182, 365)
RESPONSE_VISITS = (("W4", 28, 3), ("W8", 56, 5), ("W12", 84, 5), ("M6", 182, 10),
                   ("M9", 273, 10), ("M12", 365, 10))
CRS = "Cytokine release syndrome"
ICANS = "Immune effector cell-associated neurotoxicity syndrome"
GVHD = "Acute graft versus host disease"


def demo_bundle(patients: int, seed: int = 1, time_zone: str = "UTC") -> dict:
    """A whole bundle of `patients` synthetic patients (`time_zone`: the study's, in which the
    infusions' times are read)."""
    study = demo_study()
    rows = list(demo_patients(patients, seed, study, time_zone))
    return {"format": "edc-casebook", "version": 1, "study": study, "patients": rows}


def demo_study() -> dict:
    """The study; its `donors` and `product_lots` are filled as `demo_patients` makes them."""
    return {"protocol_id": "RD13-02-PH1", "dose_levels": [dict(d) for d in DOSE_LEVELS],
            "escalation_design": "BOIN", "target_dlt_rate": 0.3, "dlt_window_days": 28,
            "donors": [], "product_lots": []}


def demo_patients(count: int, seed: int, study: dict | None = None,
                  time_zone: str = "UTC") -> Iterator[dict]:
    """The patients, one at a time; each infused patient's donor and lots go to `study`.

    The newer forms (`exchange.demo_forms`) are drawn from a second random sequence seeded from
    the same seed, so the fields drawn before they existed keep their values."""
    rng = random.Random(seed)
    forms = random.Random(f"demo-forms-{seed}")
    study = study if study is not None else demo_study()
    span = (DATA_DATE - FIRST_CONSENT).days - 75
    for i in range(count):
        consent = FIRST_CONSENT + timedelta(days=int(span * i / max(count, 1)))
        patient = _patient(rng, i, count, consent)
        add_forms(forms, patient, study, time_zone)
        yield patient


def _patient(rng: random.Random, i: int, count: int, consent: date) -> dict:
    age = _age(rng)
    diagnosis = "T-ALL" if rng.random() < 0.75 else "T-LBL"
    enrollment = consent + timedelta(days=rng.randint(2, 7))
    patient = {
        "subject_id": f"RD-{i + 1:05d}" if count > 999 else f"RD-{i + 1:03d}",
        "sex": rng.choice("MF"), "age_at_consent": age, "diagnosis": diagnosis,
        "cd7_positive_blasts_pct": round(rng.uniform(85, 100), 1),
        "screening_marrow_blasts_pct": round(rng.uniform(20, 95) if diagnosis == "T-ALL"
                                             else rng.uniform(0, 15), 1),
        "consent_date": consent.isoformat(), "enrollment_date": enrollment.isoformat(),
        "guardian_consent": True if age < 18 else None,
    }
    if rng.random() < 0.04:  # leaves before conditioning: progression or withdrawal
        off = enrollment + timedelta(days=rng.randint(1, 6))
        patient["off_study"] = {"date": off.isoformat(), "reason": rng.choice(
            ["progressive disease before lymphodepletion", "withdrew consent"])}
        return patient
    ld_start = enrollment + timedelta(days=rng.randint(3, 10))
    day0 = ld_start + timedelta(days=5)
    patient["lymphodepletion"] = {"start_date": ld_start.isoformat(),
                                  "fludarabine_mg_m2_per_day": 30,
                                  "cyclophosphamide_mg_m2_per_day": 300, "days": 3}
    level = DOSE_LEVELS[0 if i < count * 0.15 else 1 if i < count * 0.45 else 2]
    weight = round(rng.uniform(14, 45) if age < 12 else rng.uniform(40, 95), 1)
    patient["infusions"] = [{"number": 1, "date": day0.isoformat(), "time": "10:00:00",
                             "dose_level": level["code"], "cells_per_kg": level["cells_per_kg"],
                             "total_cells": level["cells_per_kg"] * weight, "weight_kg": weight,
                             "viability_pct": round(rng.uniform(85, 98), 1),
                             "product_lot": f"L-{i + 1:05d}"}]
    _course(rng, patient, day0, age, level)
    return patient


def _age(rng: random.Random) -> int:
    band = rng.random()
    if band < 0.2:
        return rng.randint(3, 11)
    if band < 0.35:
        return rng.randint(12, 17)
    return rng.randint(18, 70)


def _course(rng: random.Random, patient: dict, day0: date, age: int, level: dict):
    """Response, relapse, HSCT, death and follow-up, then AEs and PK up to the last date."""
    def on(day: int) -> date:
        return day0 + timedelta(days=day)

    screening = patient["screening_marrow_blasts_pct"]
    best = rng.choices(["CR", "CRi", "PR", "SD", "PD"], [70, 20, 4, 3, 3])[0]
    responder = best in ("CR", "CRi")
    relapse_day = rng.randint(60, 420) if responder and rng.random() < 0.35 else None
    progression_day = rng.randint(30, 60) if not responder else None
    hsct_day = rng.randint(60, 120) if responder and rng.random() < 0.3 else None
    if relapse_day and hsct_day and relapse_day <= hsct_day:
        hsct_day = None
    event_day = relapse_day or progression_day
    death_day, cause = None, None
    if event_day and rng.random() < 0.6:
        death_day, cause = event_day + rng.randint(20, 150), "disease_progression"
    elif rng.random() < 0.06:
        death_day, cause = rng.randint(30, 300), rng.choice(["adverse_event", "other"])
        if event_day and death_day <= event_day:
            death_day, cause = event_day + rng.randint(5, 60), "disease_progression"
    last_day = min((DATA_DATE - day0).days, death_day if death_day is not None else 10**6)
    if death_day is not None and on(death_day) > DATA_DATE:
        death_day, cause = None, None

    assessments = []
    for visit, target, jitter in RESPONSE_VISITS:
        day = target + rng.randint(-jitter, jitter)
        if day > last_day or (event_day and day >= event_day):
            break
        category = best if visit == "W4" or best in ("CR", "CRi") else rng.choice([best, "SD"])
        assessments.append(_assessment(rng, visit, on(day), category, screening))
    patient["response_assessments"] = assessments
    events = []
    if event_day and event_day <= last_day:
        kind = "relapse" if relapse_day else "progression"
        events.append({"date": on(event_day).isoformat(), "type": kind,
                       "site": rng.choice(["marrow", "marrow", "CNS", "mediastinum"])})
    patient["disease_events"] = events
    patient["hsct"] = ({"date": on(hsct_day).isoformat(), "donor_type": rng.choice(
        ["haploidentical", "matched sibling", "matched unrelated"])}
        if hsct_day and hsct_day <= last_day else None)
    patient["death"] = ({"date": on(death_day).isoformat(), "cause": cause}
                        if death_day is not None else None)
    patient["last_known_alive_date"] = (None if death_day is not None
                                        else on(max(0, last_day - rng.randint(0, 20))).isoformat())
    patient["adverse_events"] = _adverse_events(rng, on, age, last_day)
    patient["pk_samples"] = _pk_samples(rng, on, last_day, level)


def _assessment(rng, visit: str, when: date, category: str, screening: float) -> dict:
    blasts = {"CR": rng.uniform(0, 4.5), "CRi": rng.uniform(0, 4.5),
              "PR": max(5.0, min(25.0, screening * rng.uniform(0.2, 0.5))),
              "SD": max(5.0, screening * rng.uniform(0.7, 1.0)),
              "PD": min(100.0, max(5.0, screening) * rng.uniform(1.3, 1.6))}[category]
    recovered = category != "CRi"
    mrd = (rng.uniform(0, 0.009) if rng.random() < 0.8 else rng.uniform(0.01, 2.0)) \
        if category in ("CR", "CRi") else round(blasts * rng.uniform(0.8, 1.0), 3)
    return {"visit": visit, "date": when.isoformat(), "marrow_blasts_pct": round(blasts, 2),
            "mrd_pct": round(mrd, 4), "peripheral_blasts": category in ("SD", "PD"),
            "extramedullary": "none" if category != "PD" else "pd",
            "anc_per_uL": rng.randint(1000, 4000) if recovered else rng.randint(200, 999),
            "platelets_per_uL": rng.randint(100000, 300000) if recovered
            else rng.randint(20000, 99000),
            "response": category}


def _adverse_events(rng, on, age: int, last_day: int) -> list[dict]:
    events = []

    def add(term, grade, onset, duration, relatedness, **details):
        if onset > last_day:
            return
        end = onset + duration
        serious = grade >= 3
        aware = datetime.combine(on(onset), datetime.min.time()).replace(hour=14)
        events.append({
            "term": term, "grade": grade, "onset_date": on(onset).isoformat(),
            "resolution_date": on(end).isoformat() if end <= last_day else None,
            "serious": serious, **seriousness(serious), "relatedness": relatedness,
            "outcome": "recovered" if end <= last_day else "not_recovered",
            "site_aware_at": aware.isoformat() + "Z" if serious else None,
            "sponsor_reported_at": (aware + timedelta(hours=rng.randint(2, 20))).isoformat()
            + "Z" if serious else None,
            "dlt_adjudication": details.pop("adjudication", None), **details})

    if rng.random() < 0.9:
        grade = rng.choices([1, 2, 3, 4], [55, 35, 7, 3])[0]
        duration = rng.randint(2, 8) if grade < 3 else rng.randint(2, 6)
        decision = ("confirmed" if grade == 4 or duration > 3 else "rejected") \
            if grade >= 3 and rng.random() < 0.8 else None
        add(CRS, grade, rng.randint(0, 7), duration, rng.choice(["probable", "definite"]),
            crs=_crs_details(rng, grade), adjudication=decision)
    if rng.random() < 0.12:
        grade = rng.choices([1, 2, 3], [70, 25, 5])[0]
        duration = rng.randint(1, 5)
        decision = ("confirmed" if duration > 3 else "rejected") if grade >= 3 else None
        add(ICANS, grade, rng.randint(3, 10), duration, "probable",
            icans=_icans_details(rng, grade, age), adjudication=decision)
    if rng.random() < 0.06:
        grade = rng.choice([1, 2])
        add(GVHD, grade, rng.randint(14, 40), rng.randint(7, 30), "probable",
            gvhd={"skin_stage": grade + 1, "liver_stage": 0, "upper_gi_stage": 0,
                  "lower_gi_stage": 0, "magic_grade": grade},
            adjudication="confirmed" if grade >= 2 and rng.random() < 0.5 else None)
    if rng.random() < 0.8:
        add("Neutrophil count decreased", rng.choice([3, 4]), rng.randint(0, 3),
            rng.randint(7, 24), "possible")
    if rng.random() < 0.5:
        add("Platelet count decreased", rng.choice([3, 4]), rng.randint(0, 3),
            rng.randint(7, 24), "possible")
    if rng.random() < 0.95:
        add("Lymphocyte count decreased", 4, 0, rng.randint(20, 60), "definite")
    return events


def _crs_details(rng, grade: int) -> dict:
    hypotension, oxygen = {1: ("none", "none"),
                           2: rng.choice([("fluids", "none"), ("none", "low_flow"),
                                          ("fluids", "low_flow")]),
                           3: rng.choice([("one_vasopressor", "none"), ("fluids", "high_flow")]),
                           4: rng.choice([("multiple_vasopressors", "high_flow"),
                                          ("one_vasopressor", "positive_pressure")])}[grade]
    return {"max_temp_c": round(rng.uniform(38.1, 40.5), 1), "hypotension": hypotension,
            "oxygen": oxygen, "died_of_crs": False, "fever_masked": False}


def _icans_details(rng, grade: int, age: int) -> dict:
    details = {"unable_to_assess": False, "consciousness": "normal", "seizure": "none",
               "motor_weakness": False, "cerebral_edema": "none", "died_of_icans": False}
    if age < 12:
        score = {1: rng.randint(1, 8), 2: rng.randint(1, 8), 3: rng.randint(9, 20)}[grade]
        details.update(instrument="CAPD", ice_score=None, capd_score=score)
        if grade == 2:
            details["consciousness"] = "awakens_to_voice"
    else:
        score = {1: rng.randint(7, 9), 2: rng.randint(3, 6), 3: rng.randint(0, 2)}[grade]
        details.update(instrument="ICE", ice_score=score, capd_score=None)
    return details


def _pk_samples(rng, on, last_day: int, level: dict) -> list[dict]:
    """CAR copies rising to a peak on day ~10–14, then falling; BLQ before and late."""
    peak_day = rng.choice([7, 10, 10, 14, 14])
    peak = math.exp(rng.gauss(math.log(1.2e5 * (level["cells_per_kg"] / 1e7) ** 0.5), 0.6))
    samples = []
    for day in PK_DAYS:
        if day > last_day:
            break
        hour = 8 if day == 0 else 10  # day 0 is drawn before the 10:00 infusion
        collected = datetime.combine(on(day), datetime.min.time()).replace(hour=hour)
        if day == 0:
            value = None
        elif day <= peak_day:
            value = peak * math.exp(-4.0 * (peak_day - day) / peak_day)
        else:
            value = peak * math.exp(-0.035 * (day - peak_day))
        if value is not None and (value < 50 or (day >= 182 and rng.random() < 0.5)):
            value = None
        samples.append({"nominal_day": day, "collected_at": collected.isoformat() + "Z",
                        "matrix": "peripheral_blood",
                        "car_copies_per_ug_gdna": round(value, 1) if value else None,
                        "below_lloq": value is None,
                        "car_t_cells_per_uL": round(value / 4000, 3) if value else None})
    return samples
