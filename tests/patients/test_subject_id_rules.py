"""Subject IDs on every path: the enrolment form, the admin, the casebook import and the API refuse
what the study's pattern or the safe characters refuse, with the field named; IDs are unique
whatever their case; a change of pattern leaves the IDs already given valid and tells the admin
which do not fit; and no page breaks on an ID stored before these rules."""

import html
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from core.accounts import user_api_token
from core.audit import record_save
from core.models import Study
from exchange.demo_trial import demo_bundle
from exchange.dump import export_bundle
from exchange.services import BundleProblems, bundle_import_json
from monitoring.services import query_raise
from patients.models import Patient
from tests import factories
from tests.crf_payloads import error_beside, form_data

pytestmark = pytest.mark.django_db

READERS = ("coordinator", "investigator", "monitor", "admin")


def set_pattern(pattern: str):
    study = Study.load()
    study.subject_id_pattern = pattern
    record_save(study, by=factories.user("admin"), reason="site codes changed")


# --- the enrolment form, the admin ------------------------------------------------------------

@pytest.mark.parametrize(("subject_id", "said"), [
    ("RD/900", "'/' not allowed"),
    ("Jane Doe", "U+0020 SPACE not allowed"),
    ("<i>RD</i>", "'<', '>', '/' not allowed"),
    ("rd-900", "does not fit the study's subject-ID pattern"),
])
def test_the_enrolment_form_refuses_the_id_beside_the_field(client, coordinator, subject_id,
                                                            said):
    client.force_login(coordinator)
    response = client.post("/patients/new/", form_data("patient", subject_id=subject_id))
    assert response.status_code == 200
    assert said in html.unescape(error_beside(response, "subject_id"))
    assert not Patient.all_objects.exists()


def test_the_study_s_own_pattern_decides(client, coordinator):
    set_pattern(r"^SITE[0-9]{2}_[0-9]{4}$")
    client.force_login(coordinator)
    refused = client.post("/patients/new/", form_data("patient", subject_id="RD-900"))
    saved = client.post("/patients/new/", form_data("patient", subject_id="SITE01_0001"))
    assert "^SITE[0-9]{2}_[0-9]{4}$" in error_beside(refused, "subject_id")
    assert saved.status_code == 302
    assert list(Patient.objects.values_list("subject_id", flat=True)) == ["SITE01_0001"]


def test_an_id_differing_only_by_case_is_taken(client, coordinator):
    set_pattern(r"(?i)^[a-z]{2}-[0-9]{3}$")
    factories.patient("RD-900")
    client.force_login(coordinator)
    response = client.post("/patients/new/", form_data("patient", subject_id="rd-900"))
    assert "already exists (subject IDs are compared regardless of case)" in error_beside(
        response, "subject_id")
    assert Patient.objects.count() == 1


def test_the_admin_refuses_a_bad_id_beside_the_field(client, admin_user):
    patient = factories.patient("RD-001")
    client.force_login(admin_user)
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    form = client.get(url).context["adminform"].form
    data = {k: "" if v is None else v for k, v in form.initial.items() if k != "id"}
    data["row_version"] = form["row_version"].value()  # the hidden field the page carries
    response = client.post(url, {**data, "subject_id": "RD/001", "change_reason": "typo"})
    assert response.status_code == 200
    assert "'/' not allowed" in html.unescape(response.content.decode())
    assert Patient.objects.get().subject_id == "RD-001"


# --- a change of pattern ----------------------------------------------------------------------

def test_ids_given_before_a_change_of_pattern_stay_valid_until_changed(coordinator):
    patient = factories.patient("RD-001")
    set_pattern(r"^SITE[0-9]{2}_[0-9]{4}$")
    # An edit that leaves the ID alone is saved …
    patient.age_at_consent = 28
    record_save(patient, by=coordinator, reason="age re-checked")
    # … one that changes it must fit the new pattern.
    patient.subject_id = "RD-002"
    with pytest.raises(ValidationError) as refused:
        record_save(patient, by=coordinator, reason="renumbered")
    assert "does not fit the study's subject-ID pattern" in str(refused.value)
    assert Patient.objects.get().subject_id == "RD-001"


def study_form(client, url, **changes):
    form = client.get(url).context["adminform"].form
    data = {k: "" if v is None else v for k, v in form.initial.items() if k != "id"}
    data["row_version"] = form["row_version"].value()  # the hidden field the page carries
    for name, value in list(data.items()):
        if isinstance(value, bool):
            data[name] = "on" if value else ""
    return {**{k: v for k, v in data.items() if v != ""}, **changes}


def test_the_admin_is_told_which_current_ids_a_new_pattern_does_not_fit(client, admin_user):
    for subject_id in ("RD-001", "RD-002", "XY-7"):
        factories.patient(subject_id)
    Study.load().save()
    client.force_login(admin_user)
    url = reverse("admin:trial_edc_study_change", args=[1])
    response = client.post(url, study_form(client, url, subject_id_pattern=r"^RD-[0-9]{3}$",
                                           change_reason="site code fixed"), follow=True)
    assert Study.load().subject_id_pattern == r"^RD-[0-9]{3}$"
    page = response.content.decode()
    assert "1 current subject ID(s) do not fit the new pattern: XY-7. They stay valid" in page


def test_the_admin_refuses_a_pattern_that_would_admit_a_slash(client, admin_user):
    Study.load().save()
    client.force_login(admin_user)
    url = reverse("admin:trial_edc_study_change", args=[1])
    response = client.post(url, study_form(client, url, subject_id_pattern="[^<> ]+",
                                           change_reason="looser codes"))
    assert response.status_code == 200
    assert "a negated class" in response.content.decode()
    assert Study.load().subject_id_pattern == r"^[A-Z]{2,6}-[0-9]{1,6}$"


# --- the casebook import and the API ----------------------------------------------------------

def bundle_with_ids(*subject_ids) -> dict:
    bundle = demo_bundle(len(subject_ids), seed=2)
    renamed = {}
    for patient, subject_id in zip(bundle["patients"], subject_ids, strict=True):
        renamed[patient["subject_id"]] = subject_id
        patient["subject_id"] = subject_id
    for lot in bundle["study"]["product_lots"]:  # a lot names its patient by subject ID
        lot["released_for"] = renamed.get(lot["released_for"])
    return bundle


def test_the_import_names_each_refused_id_by_its_json_path():
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle_with_ids("RD-001", "RD/002", "rd-001"))
    assert refused.value.problems == [
        "patients[1].subject_id: 'RD/002' is not a subject ID: one holds only ASCII letters, "
        "digits, '-' and '_', never a name ('/' not allowed)",
        "patients[2].subject_id: 'rd-001' does not fit the study's subject-ID pattern "
        "^[A-Z]{2,6}-[0-9]{1,6}$ (e.g. RD-001)",
        "patients[2].subject_id: 'rd-001' is already the subject ID of patients[0] as 'RD-001' "
        "(subject IDs are compared regardless of case)"]
    assert not Patient.all_objects.exists()


def test_the_import_compares_with_the_database_regardless_of_case():
    set_pattern(r"(?i)^rd-[0-9]{3}$")
    factories.patient("RD-005")
    bundle = bundle_with_ids("rd-005")
    bundle["study"]["subject_id_pattern"] = r"(?i)^rd-[0-9]{3}$"
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle)
    assert refused.value.problems == [
        "patients[0].subject_id: 'rd-005' is already in this database as 'RD-005' (subject IDs "
        "are compared regardless of case) (import with --replace to replace the trial's data)"]


def test_a_bundle_carries_its_pattern_and_its_ids_are_read_against_it():
    bundle = bundle_with_ids("SITE01_0001")
    bundle["study"]["subject_id_pattern"] = r"^SITE[0-9]{2}_[0-9]{4}$"
    bundle_import_json(bundle, replace=True)
    assert Study.load().subject_id_pattern == r"^SITE[0-9]{2}_[0-9]{4}$"
    assert export_bundle()["study"]["subject_id_pattern"] == r"^SITE[0-9]{2}_[0-9]{4}$"


def test_a_bundle_s_unsafe_pattern_is_a_problem_of_its_own():
    bundle = bundle_with_ids("RD-001")
    bundle["study"]["subject_id_pattern"] = ".*"
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, replace=True)
    assert refused.value.problems == [
        "study.subject_id_pattern: '.*' would admit any character ('.'); a subject ID holds only "
        "ASCII letters, digits, '-' and '_', so a pattern may only narrow those"]


def test_the_api_import_answers_the_documented_error_body(admin_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(admin_user)}")
    response = client.post("/api/v1/casebook/", json.dumps(bundle_with_ids("<b>X</b>")),
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "1 problem(s): nothing was imported.",
        "problems": ["patients[0].subject_id: '<b>X</b>' is not a subject ID: one holds only "
                     "ASCII letters, digits, '-' and '_', never a name ('<', '>', '/' not "
                     "allowed)"]}
    assert not Patient.all_objects.exists()


# --- IDs stored before these rules ------------------------------------------------------------

LEGACY_IDS = ["RD/001", "RD 001", "RD%001", "RD?001#2", "..", "<b>RD</b>"]


def legacy_patient(subject_id: str) -> Patient:
    """A patient whose ID was stored before the rules (written past them, as a raw UPDATE)."""
    patient = factories.patient("RD-001")
    ae = factories.adverse_event(patient)
    query_raise(record=ae, patient=patient, field_name="grade", question="Grade?",
                by=factories.user("monitor"))
    Patient.objects.filter(pk=patient.pk).update(subject_id=subject_id)
    return Patient.objects.get(pk=patient.pk)


def links_to(html: str, href: str) -> bool:
    return f'href="{href}"' in html or f"href=\"{href}#" in html


@pytest.mark.parametrize("subject_id", LEGACY_IDS)
@pytest.mark.parametrize("role", READERS)
def test_no_page_breaks_on_an_id_stored_before_the_rules(client, subject_id, role):
    patient = legacy_patient(subject_id)
    client.force_login(factories.user(role))
    casebook = reverse("patients:casebook", args=[subject_id])
    signoff = reverse("signoff:page", args=[subject_id])
    queried = reverse("patients:crf-detail", args=[
        subject_id, "adverse-event", patient.adverse_events.get().pk])  # at #field-grade
    lists = {"/patients/": casebook, "/casebook-signature/": signoff, "/queries/": queried}
    for page, link in lists.items():
        response = client.get(page)
        assert response.status_code == 200, page
        assert links_to(response.content.decode(), link), page
    for page in (casebook, signoff, reverse("patients:crf-detail",
                                            args=[subject_id, "patient", patient.pk])):
        response = client.get(page)
        assert response.status_code == 200, page
        assert response.context["patient"].pk == patient.pk


def test_a_link_to_a_legacy_id_leads_to_its_casebook_not_a_neighbour_s(client, coordinator):
    legacy_patient("RD/001")
    other = factories.patient("RD-002")
    client.force_login(coordinator)
    page = client.get("/patients/").content.decode()
    hrefs = set(re.findall(r'href="(/patients/[^"]+/)"', page)) - {"/patients/new/"}
    reached = {client.get(href).context["patient"].subject_id for href in hrefs}
    assert reached == {"RD/001", other.subject_id}
