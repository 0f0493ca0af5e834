"""Entering CRFs in the browser: each form saves, refuses bad values beside the field, and keeps
the audit rules (a reason on edits, no silent overwrite, void with a reason)."""

import pytest
from django import forms

from casebook.crfs import CRFS
from core.audit import field_changes, record_save
from patients.models import Patient
from safety.models import CrsDetails, DltAdjudication, DltCandidate
from tests import factories
from tests.crf_payloads import TODAY_PLUS, error_beside, form_data

pytestmark = pytest.mark.django_db

# (CRF, a bad value, the field it is shown beside, part of the message the model's rules give)
BAD_VALUES = [
    ("patient", {"age_at_consent": 200}, "age_at_consent", "is not an age in years"),
    ("eligibility", {"assessed_on": TODAY_PLUS}, "assessed_on", "in the future"),
    ("lymphodepletion", {"days": 9}, "days", "is not a number of days (1–7)"),
    ("infusion", {"viability_pct": 120}, "viability_pct", "is not a percentage"),
    ("adverse-event", {"grade": 7}, "grade", "7 is not a CTCAE grade (1–5)"),
    ("crs", {"max_temp_c": 50}, "max_temp_c", "is not a body temperature in °C"),
    ("icans", {"capd_score": 5}, "capd_score", "only when CAPD is the instrument"),
    ("gvhd", {"upper_gi_stage": 3}, "upper_gi_stage", "is not a MAGIC upper-GI stage"),
    ("infection", {"pathogen_type": "unknown"}, "organism", "only when the pathogen is identified"),
    ("iec-hs", {"astct_grade": 4}, "astct_grade", "the ASTCT IEC-HS grade is the event"),
    ("response", {"mrd_pct": 150}, "mrd_pct", "is not a percentage"),
    ("disease-event", {"date": TODAY_PLUS}, "date", "in the future"),
    ("hsct", {"date": TODAY_PLUS}, "date", "in the future"),
    ("death", {"date": "2024-02-01"}, "date", "before the consent date"),
    ("pk-sample", {"below_lloq": "on"}, "car_copies_per_ug_gdna", "no quantified value"),
    ("lab-result", {"unit": "g/L"}, "unit", "is recorded in ×10⁹/L"),
    ("follow-up", {"contact_date": TODAY_PLUS}, "contact_date", "in the future"),
    ("conmed", {"stop_date": "2024-03-13"}, "stop_date",
     "EC-CM-01 (hard): the stop date 2024-03-13 is before the start date 2024-03-14"),
    ("secondary-malignancy", {"sample_sent": "on"}, "sample_sent_date",
     "required when a sample was sent"),
    ("rcl-test", {"sample_date": TODAY_PLUS}, "sample_date", "in the future"),
    ("medical-history", {"start": "2019-13"}, "start", "is not a date YYYY, YYYY-MM or"),
    ("prior-therapy", {"end": "2022-11"}, "end", "is before the start date 2023-01"),
    ("disease-at-screening", {"assessed_on": TODAY_PLUS}, "assessed_on", "in the future"),
    ("bridging-therapy", {"end_date": "2024-03-01"}, "end_date", "is before the start date"),
    ("vital-signs", {"diastolic_bp": 130}, "diastolic_bp", "is not below the systolic"),
    ("ltfu-visit", {"subsequent_anticancer_therapy": "true"}, "subsequent_therapy",
     "Name the therapy"),
    ("protocol-deviation", {"category": "sideways"}, "category",
     "is not one of the available choices"),
]


def create_url(slug, patient, adverse_event=None):
    if slug == "patient":
        return "/patients/new/"
    if CRFS[slug].parent == "adverse_event":
        return f"/patients/{patient.subject_id}/adverse-event/{adverse_event.pk}/{slug}/new/"
    return f"/patients/{patient.subject_id}/{slug}/new/"


def date_fields(slug) -> list[tuple[str, str]]:
    """Each date (or date-and-time) field of the CRF's form, with a value in 1899."""
    fields = CRFS[slug].form.base_fields.items()
    return [(name, "1899-12-31T10:00" if isinstance(field, forms.DateTimeField)
             else "1899-12-31") for name, field in fields
            if isinstance(field, forms.DateField | forms.DateTimeField)]


@pytest.mark.parametrize(("slug", "field", "value"), [
    (slug, field, value) for slug in sorted(CRFS) for field, value in date_fields(slug)])
def test_a_date_before_1900_is_refused_beside_its_field(client, coordinator, enrolled_patient,
                                                        slug, field, value):
    # given
    ae = factories.adverse_event(enrolled_patient)
    model = CRFS[slug].model
    before = model.all_objects.count()
    client.force_login(coordinator)
    # when
    response = client.post(create_url(slug, enrolled_patient, ae),
                           form_data(slug, **{field: value}))
    # then
    assert response.status_code == 200
    assert "is before 1900-01-01, the earliest clinical date" in error_beside(response, field)
    assert model.all_objects.count() == before


def test_every_crf_has_a_bad_value_case():
    assert {slug for slug, *_ in BAD_VALUES} == set(CRFS)


@pytest.mark.parametrize("slug", sorted(CRFS))
@pytest.mark.requirement("CON-AUD-01")
def test_a_valid_form_saves_one_record_through_the_audit_trail(client, coordinator,
                                                               enrolled_patient, slug):
    # given
    ae = factories.adverse_event(enrolled_patient)
    model = CRFS[slug].model
    before = model.objects.count()
    client.force_login(coordinator)
    # when
    response = client.post(create_url(slug, enrolled_patient, ae), form_data(slug))
    # then
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert model.objects.count() == before + 1
    record = model.objects.latest("pk")
    [entry] = field_changes(record)
    assert (entry["who"], entry["reason"]) == (coordinator.username, "initial entry")


@pytest.mark.parametrize("slug, bad, field, message", BAD_VALUES)
def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_saved(
        client, coordinator, enrolled_patient, slug, bad, field, message):
    # given
    ae = factories.adverse_event(enrolled_patient)
    model = CRFS[slug].model
    before = model.all_objects.count()
    client.force_login(coordinator)
    # when
    response = client.post(create_url(slug, enrolled_patient, ae), form_data(slug, **bad))
    # then
    assert response.status_code == 200
    assert message in error_beside(response, field)
    assert model.all_objects.count() == before


def test_a_second_record_where_one_is_allowed_is_refused_on_the_form(
        client, coordinator, infused_patient):
    client.force_login(coordinator)
    response = client.post(create_url("lymphodepletion", infused_patient),
                           form_data("lymphodepletion"))
    assert response.status_code == 200
    assert "already a record of this kind" in response.content.decode()


@pytest.mark.requirement("CON-ROLE-01", "CON-AUD-01")
def test_an_edit_without_a_reason_is_refused_beside_the_reason_field(
        client, coordinator, infused_patient):
    # given
    ae = factories.adverse_event(infused_patient, grade=2)
    client.force_login(coordinator)
    url = f"/patients/RD-001/adverse-event/{ae.pk}/edit/"
    # when
    response = client.post(url, form_data("adverse-event", grade=3, row_version=ae.row_version))
    # then
    assert "A reason for change is required" in error_beside(response, "reason")
    ae.refresh_from_db()
    assert ae.grade == 2


@pytest.mark.requirement("CON-ROLE-01", "CON-AUD-01")
def test_an_edit_with_a_reason_is_saved_and_shown_in_the_audit_trail(
        client, coordinator, infused_patient):
    # given
    ae = factories.adverse_event(infused_patient, grade=2)
    client.force_login(coordinator)
    url = f"/patients/RD-001/adverse-event/{ae.pk}/edit/"
    # when
    client.post(url, form_data("adverse-event", grade=3, row_version=ae.row_version,
                               reason="source document re-read"))
    history = client.get(f"/patients/RD-001/adverse-event/{ae.pk}/history/")
    # then
    ae.refresh_from_db()
    assert ae.grade == 3
    page = history.content.decode()
    assert "source document re-read" in page
    assert "Grade: 2 → 3" in page
    assert coordinator.username in page


def test_a_stale_edit_is_refused_and_the_users_input_kept(client, coordinator, infused_patient):
    # given: the coordinator opened the form at version 1, then a colleague saved grade 4
    ae = factories.adverse_event(infused_patient, grade=2)
    opened_version = ae.row_version
    ae.grade = 4
    record_save(ae, by=factories.user("coordinator", username="colleague"), reason="lab result")
    client.force_login(coordinator)
    # when
    response = client.post(
        f"/patients/RD-001/adverse-event/{ae.pk}/edit/",
        form_data("adverse-event", grade=3, row_version=opened_version, reason="typo"))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "changed by someone else" in page
    assert 'name="grade" value="3"' in page  # what the user typed is still on screen
    assert f'name="row_version" value="{opened_version + 1}"' in page
    ae.refresh_from_db()
    assert ae.grade == 4


def test_an_edit_without_its_row_version_is_refused_and_the_users_input_kept(
        client, coordinator, infused_patient):
    # given an edit posted without the version it was made from
    ae = factories.adverse_event(infused_patient, grade=2)
    client.force_login(coordinator)
    url = f"/patients/RD-001/adverse-event/{ae.pk}/edit/"
    # when
    response = client.post(url, form_data("adverse-event", grade=3, reason="typo"))
    # then nothing is saved, the page says why and keeps what was typed
    page = response.content.decode()
    assert response.status_code == 200
    assert "did not say which version of the record it was opened at" in page
    assert 'name="grade" value="3"' in page
    ae.refresh_from_db()
    assert (ae.grade, ae.row_version) == (2, 1)
    # and saving again from that page, which now carries the version, is deliberate
    assert f'name="row_version" value="{ae.row_version}"' in page
    again = client.post(url, form_data("adverse-event", grade=3, reason="typo",
                                       row_version=ae.row_version))
    assert again.status_code == 302
    ae.refresh_from_db()
    assert ae.grade == 3


def test_a_new_record_needs_no_row_version(client, coordinator, infused_patient):
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/adverse-event/new/", form_data("adverse-event"))
    assert response.status_code == 302


@pytest.mark.requirement("CON-AUD-02")
def test_a_void_needs_a_reason_and_keeps_the_record(client, coordinator, infused_patient):
    # given
    ae = factories.adverse_event(infused_patient)
    client.force_login(coordinator)
    url = f"/patients/RD-001/adverse-event/{ae.pk}/void/"
    # when
    refused = client.post(url, {"reason": " ", "row_version": ae.row_version})
    voided = client.post(url, {"reason": "entered for the wrong patient",
                               "row_version": ae.row_version})
    # then
    assert "This field is required" in error_beside(refused, "reason")
    assert voided.status_code == 302
    ae.refresh_from_db()
    assert ae.is_voided and ae.void_reason == "entered for the wrong patient"


def test_the_void_page_names_what_goes_with_the_event_and_voids_it_all(client, coordinator,
                                                                      infused_patient):
    # given an adverse event with CRS details and a DLT candidate
    ae = factories.adverse_event(infused_patient, grade=4)
    details = factories.crs_details(ae)
    candidate = factories.save(DltCandidate(adverse_event=ae, rule="D2", explanation="CRS"))
    client.force_login(coordinator)
    url = f"/patients/RD-001/adverse-event/{ae.pk}/void/"
    # when
    page = client.get(url).content.decode()
    client.post(url, {"reason": "entered for the wrong patient", "row_version": ae.row_version})
    # then
    event = "Cytokine release syndrome, grade 4, 14 Mar 2024"
    assert f"CRS details of {event}, DLT candidate of {event}" in page  # by name, not by id
    assert f"#{details.pk}" not in page and f"#{candidate.pk}" not in page
    assert CrsDetails.all_objects.get().void_reason == "entered for the wrong patient"
    assert DltCandidate.all_objects.get().is_voided


def test_voiding_an_event_with_a_signed_decision_shows_why_and_changes_nothing(
        client, coordinator, investigator, infused_patient):
    ae = factories.adverse_event(infused_patient, grade=4)
    factories.adjudication(ae, by=investigator)
    client.force_login(coordinator)
    url = f"/patients/RD-001/adverse-event/{ae.pk}/void/"
    before = client.get(url).content.decode()
    refused = client.post(url, {"reason": "duplicate", "row_version": ae.row_version})
    assert refused.status_code == 200
    for page in (before, refused.content.decode()):
        assert "An investigator must first revoke the decision on the DLT review page" in page
    ae.refresh_from_db()
    assert not ae.is_voided and DltAdjudication.objects.exists()


@pytest.mark.requirement("CON-ROLE-01")
def test_enrolling_a_patient_opens_their_casebook(client, coordinator, db):
    client.force_login(coordinator)
    response = client.post("/patients/new/", form_data("patient"))
    assert response.status_code == 302
    assert response["Location"] == "/patients/RD-900/"
    assert Patient.objects.get().subject_id == "RD-900"


@pytest.mark.parametrize("page", ["", "edit/", "history/", "void/"])
def test_the_patient_record_s_own_pages_open_from_the_casebook(client, coordinator,
                                                               enrolled_patient, page):
    # The casebook's "Edit patient" and "Audit trail" links lead here.
    client.force_login(coordinator)
    response = client.get(f"/patients/RD-001/patient/{enrolled_patient.pk}/{page}")
    assert response.status_code == 200


def test_a_patient_record_is_not_reached_under_another_patient_s_subject_id(
        client, coordinator, enrolled_patient):
    other = factories.patient("RD-002")
    client.force_login(coordinator)
    assert client.get(f"/patients/RD-001/patient/{other.pk}/").status_code == 404


def test_a_void_without_the_version_it_was_asked_from_is_refused(client, coordinator,
                                                                infused_patient):
    # given
    ae = factories.adverse_event(infused_patient)
    client.force_login(coordinator)
    # when a void is posted without the page's row version
    refused = client.post(f"/patients/RD-001/adverse-event/{ae.pk}/void/",
                          {"reason": "entered twice"})
    # then nothing is voided, and the page says why
    assert refused.status_code == 200
    assert "did not say which version of the record it was opened at" in refused.content.decode()
    ae.refresh_from_db()
    assert not ae.is_voided


def test_a_void_of_a_record_changed_since_the_page_opened_is_refused(client, coordinator,
                                                                     infused_patient):
    # given the void page opened at version 1, then someone corrects the grade
    ae = factories.adverse_event(infused_patient)
    client.force_login(coordinator)
    url = f"/patients/RD-001/adverse-event/{ae.pk}/void/"
    assert 'name="row_version" value="1"' in client.get(url).content.decode()
    ae.grade = 3
    record_save(ae, by=coordinator, reason="worse than first noted")
    # when the void is posted from the page as it was
    refused = client.post(url, {"reason": "entered twice", "row_version": 1})
    # then it is refused with the usual message, and the page now carries version 2
    page = refused.content.decode()
    assert "was changed by someone else after you opened it" in page
    assert 'name="row_version" value="2"' in page
    ae.refresh_from_db()
    assert not ae.is_voided
