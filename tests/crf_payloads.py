"""Payloads and page readers for the browser CRF tests."""

import re
from datetime import date

from tests import factories


def error_beside(response, field: str) -> str:
    """The error text shown beside `field` on the page ('' when there is none)."""
    found = re.search(rf'id="id_{field}_errors" role="alert">(.*?)</span>',
                      response.content.decode(), re.S)
    return found.group(1) if found else ""


def form_data(slug: str, **overrides) -> dict:
    """A valid POST for a new record of the CRF `slug` (enrolled_patient's dates)."""
    data = dict(VALID[slug])
    if slug == "infusion":
        data["dose_level"] = factories.dose_level().pk
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


TODAY_PLUS = date(2999, 1, 1).isoformat()  # a date in the future: refused by the timeline rules
VALID = {
    "patient": dict(subject_id="RD-900", sex="F", age_at_consent=30, diagnosis="T-ALL",
                    consent_date="2024-03-01", guardian_consent="unknown"),
    "eligibility": dict(assessed_on="2024-03-01", age_in_range="on", cd7_positive_disease="on",
                        relapsed_or_refractory="on", adequate_organ_function="on",
                        performance_status_ok="on", no_active_infection="on",
                        no_active_gvhd="on", not_pregnant="on"),
    "lymphodepletion": dict(start_date="2024-03-07", fludarabine_mg_m2_per_day=30,
                            cyclophosphamide_mg_m2_per_day=300, days=3),
    "infusion": dict(number=1, date="2024-03-12", cells_per_kg=5e6, viability_pct=94),
    "adverse-event": dict(term="Cytokine release syndrome", grade=2, onset_date="2024-03-14",
                          relatedness="probable"),
    "crs": dict(max_temp_c=39.1, hypotension="fluids", oxygen="none"),
    "icans": dict(instrument="ICE", ice_score=6, consciousness="normal", seizure="none",
                  cerebral_edema="none"),
    "gvhd": dict(skin_stage=1, liver_stage=0, upper_gi_stage=0, lower_gi_stage=0, magic_grade=1),
    "infection": dict(pathogen_type="viral", organism="Cytomegalovirus", site="bloodstream"),
    "iec-hs": dict(onset_date="2024-03-14", ferritin_peak_ng_ml=25000, hyperferritinaemia="on",
                   hypofibrinogenaemia="on", astct_grade=2),
    "response": dict(visit="W4", date="2024-04-09", marrow_blasts_pct=0.4, mrd_pct=0,
                     peripheral_blasts="false", extramedullary="none", anc_per_uL=1500,
                     platelets_per_uL=120000, response="CR"),
    "disease-event": dict(date="2024-05-01", type="relapse", site="marrow"),
    "hsct": dict(date="2024-05-01", donor_type="haploidentical"),
    "death": dict(date="2024-06-01", cause="other"),
    "pk-sample": dict(nominal_day=7, collected_at="2024-03-19T09:00", matrix="peripheral_blood",
                      car_copies_per_ug_gdna=1000),
    "lab-result": dict(collected_at="2024-03-19T07:30", test="platelets", value=40,
                       unit="10^9/L", ref_low=150, ref_high=400),
    "follow-up": dict(contact_date="2024-05-01", method="visit"),
    "conmed": dict(drug="tocilizumab", dose=8, dose_unit="mg/kg", route="iv",
                   start_date="2024-03-14", stop_date="2024-03-14", indication="CRS grade 2"),
    "secondary-malignancy": dict(diagnosis_date="2024-05-01", malignancy_type="myeloid"),
    "rcl-test": dict(timepoint="M3", sample_date="2024-06-11", result="negative"),
    "medical-history": dict(condition="Asthma", start="2015-06", ongoing="on"),
    "prior-therapy": dict(line_number=1, therapy_type="chemotherapy", regimen="hyper-CVAD",
                          start="2023-01", end="2023-06", best_response="CR"),
    "disease-at-screening": dict(assessed_on="2024-03-01", cns_status="CNS1",
                                 em_mediastinum="on"),
    "bridging-therapy": dict(regimen="dexamethasone", start_date="2024-03-02",
                             end_date="2024-03-05"),
    "vital-signs": dict(measured_at="2024-03-12T10:00", timepoint="infusion",
                        temperature_c=37.2, heart_rate=90, systolic_bp=120, diastolic_bp=75,
                        respiratory_rate=18, spo2_pct=97, oxygen_support="none"),
    "ltfu-visit": dict(visit="Y2", contact_date="2026-03-12", vital_status="alive",
                       new_malignancy="false", new_neurological_disorder="false",
                       new_autoimmune_disorder="false", new_haematological_disorder="false",
                       serious_infection="false", subsequent_anticancer_therapy="false"),
    "protocol-deviation": dict(category="missed_assessment",
                               description="Day-14 ICE score not done", deviation_date="2024-03-26",
                               identified_on="2024-03-28"),
}
