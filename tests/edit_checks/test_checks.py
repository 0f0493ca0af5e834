"""Each edit check, as its rule (`core.edit_checks.findings` on an unsaved record against the
patient's saved ones), hard or soft, with its message. Dates are the factories': consent
2024-03-01, enrolment 03-04, lymphodepletion 03-07 for 3 days, infusion 1 on 03-12 (day 0)."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from core.edit_checks import HARD, SOFT, declared_checks, findings
from dosing.models import Infusion
from efficacy.models import ResponseAssessment
from patients.models import EligibilityAssessment
from pk.models import PkSample
from safety.models import AdverseEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def infused(infused_patient):
    """RD-001: lymphodepletion 2024-03-07 for 3 days, infusion 1 at DL1 on 2024-03-12."""
    return infused_patient

CRITERIA_MET = {name: True for name in EligibilityAssessment.CRITERIA}






def fired(record) -> list[tuple[str, str]]:
    return [(f.id, f.check.kind) for f in findings(record)]


def messages(record) -> str:
    return " | ".join(f.message for f in findings(record))


def ae(patient, **fields):
    values = dict(term="Nausea", grade=1, onset_date=date(2024, 3, 14), relatedness="possible")
    values.update(fields)
    return AdverseEvent(patient=patient, **values)


def sample(patient, day=7, at=datetime(2024, 3, 19, 9, tzinfo=UTC), **fields):
    return PkSample(patient=patient, nominal_day=day, collected_at=at,
                    car_copies_per_ug_gdna=1.0, **fields)


def test_every_check_has_an_id_a_kind_and_a_field_of_its_model():
    # 12; EC-LAB-01; EC-INF-03..05; EC-CM-01..03; EC-SM-01, EC-RCL-01, EC-LTFU-01; and the
    # baseline's EC-SCR-01, EC-BRIDGE-01, EC-BRIDGE-02 and EC-LD-01; the AE's seriousness
    # criteria EC-AE-03
    checks = declared_checks()
    assert len({c.id for _m, c in checks}) == len(checks) == 27
    for model, check in checks:
        assert check.kind in (HARD, SOFT)
        model._meta.get_field(check.field)


def test_age_below_three_is_a_soft_check():
    patient = factories.patient()
    patient.age_at_consent = 2
    assert fired(patient) == [("EC-PAT-01", SOFT)]
    assert "below the protocol's minimum of 3 years" in messages(patient)
    patient.age_at_consent = 3
    assert fired(patient) == []


def test_enrolment_after_an_unmet_criterion_is_soft_from_either_form():
    patient = factories.patient(enrollment_date=None)
    factories.eligibility(patient, cd7_positive_disease=False)
    patient.enrollment_date = date(2024, 3, 4)
    assert fired(patient) == [("EC-PAT-02", SOFT)]
    assert "CD7+ T-ALL/T-LBL" in messages(patient)
    enrolled = factories.patient("RD-002")
    form = EligibilityAssessment(patient=enrolled, assessed_on=date(2024, 3, 1),
                                 **{**CRITERIA_MET, "not_pregnant": False})
    assert fired(form) == [("EC-ELIG-02", SOFT)]


def test_eligibility_adverse_event_and_screening_before_consent_are_soft():
    patient = factories.patient()
    early = date(2024, 2, 20)
    assert fired(EligibilityAssessment(patient=patient, assessed_on=early, **CRITERIA_MET)) == [
        ("EC-ELIG-01", SOFT)]
    assert fired(ae(patient, onset_date=early)) == [("EC-AE-01", SOFT)]
    screening = ResponseAssessment(patient=patient, visit="SCREENING", date=early, response="PD")
    assert fired(screening) == [("EC-RESP-01", SOFT)]
    assert "before the consent date 2024-03-01" in messages(screening)


def test_an_infusion_during_lymphodepletion_is_hard(infused):
    during = Infusion(patient=infused, number=2, date=date(2024, 3, 9),
                      dose_level=factories.dose_level(), cells_per_kg=5e6)
    assert fired(during) == [("EC-INF-01", HARD)]
    assert "during lymphodepletion (2024-03-07 to 2024-03-09, 3 days)" in messages(during)
    with pytest.raises(ValidationError) as refused:
        during.full_clean()
    assert "EC-INF-01 (hard)" in str(refused.value.message_dict["date"])
    during.date = date(2024, 3, 10)
    assert fired(during) == []


def test_a_dose_not_of_its_level_is_soft_per_kg_and_flat(infused):
    level = factories.dose_level()
    off = Infusion(patient=infused, number=2, date=date(2024, 4, 1), dose_level=level,
                   cells_per_kg=1e7)
    assert fired(off) == [("EC-INF-02", SOFT)]
    assert "1e+07 CAR-T cells/kg is not the dose of DL1 (5e+06 cells/kg ± 10%)" in messages(off)
    off.cells_per_kg, off.total_cells, off.weight_kg = None, 5.2e8, 100  # 5.2e6/kg: within 10%
    assert fired(off) == []
    flat = factories.dose_level("DL3", total_cells=1e8)
    assert fired(Infusion(patient=infused, number=2, date=date(2024, 4, 1), dose_level=flat,
                          total_cells=3e8)) == [("EC-INF-02", SOFT)]


def test_a_definite_event_before_the_infusion_is_hard(infused):
    before = ae(infused, onset_date=date(2024, 3, 10), relatedness="definite")
    assert fired(before) == [("EC-AE-02", HARD)]
    assert "cannot be definitely related" in messages(before)
    before.relatedness = "possible"
    assert fired(before) == []


def test_a_pk_sample_recorded_twice_is_hard_and_outside_its_window_soft(infused):
    factories.pk_sample(infused, day=7)
    assert fired(sample(infused)) == [("EC-PK-01", HARD)]
    assert fired(sample(infused, matrix="bone_marrow")) == []
    late = sample(infused, day=7, at=datetime(2024, 3, 22, 9, tzinfo=UTC))
    assert fired(late) == [("EC-PK-02", SOFT)]
    assert "collected on 2024-03-22 is day 10" in messages(late)
    assert "window is days 6–8" in messages(late)


def test_a_response_visit_outside_its_window_is_soft(infused):
    w4 = ResponseAssessment(patient=infused, visit="W4", date=date(2024, 4, 20), response="CR")
    assert fired(w4) == [("EC-RESP-02", SOFT)]
    assert "day 39" in messages(w4) and "days 21–35" in messages(w4)
    w4.date = date(2024, 4, 9)
    assert fired(w4) == []
