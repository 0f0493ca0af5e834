"""A serious adverse event's criteria (ICH E2A; SDTM AESDTH … AESMIE): at least one ticked when
serious, none when not (EC-AE-03, hard), the same through the form, the casebook import and its
API; the form shows them only while "serious" is ticked."""

import json
import re
from copy import deepcopy
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from core.audit import record_save
from exchange.read import BundleProblems
from exchange.services import bundle_import_json
from safety.models import SERIOUSNESS_CRITERIA, AdverseEvent
from tests import factories
from tests.crf_payloads import error_beside, form_data

pytestmark = pytest.mark.django_db
NEW = "/patients/RD-001/adverse-event/new/"
NO_CRITERION = "EC-AE-03 (hard): a serious adverse event needs at least one seriousness criterion"
NOT_SERIOUS = "EC-AE-03 (hard): seriousness criteria are ticked (results in death)"


def unsaved_event(patient, **fields) -> AdverseEvent:
    values = dict(patient=patient, term="Sepsis", grade=4, onset_date=patient.consent_date,
                  relatedness="possible")
    values.update(fields)
    return AdverseEvent(**values)


def test_a_serious_event_without_a_criterion_is_refused(infused_patient, coordinator):
    event = unsaved_event(infused_patient, serious=True)
    with pytest.raises(ValidationError) as refused:
        record_save(event, by=coordinator)
    assert "serious" in refused.value.message_dict
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize("criterion", SERIOUSNESS_CRITERIA)
def test_any_one_criterion_makes_a_serious_event_valid(infused_patient, coordinator, criterion):
    record_save(unsaved_event(infused_patient, serious=True, **{criterion: True}), by=coordinator)
    assert getattr(AdverseEvent.objects.get(), criterion)


def test_a_criterion_on_an_event_not_serious_is_refused(infused_patient, coordinator):
    event = unsaved_event(infused_patient, serious=False, sae_death=True)
    with pytest.raises(ValidationError) as refused:
        record_save(event, by=coordinator)
    assert "seriousness criteria are ticked" in " ".join(refused.value.message_dict["serious"])


def test_the_form_refuses_a_serious_event_without_a_criterion_beside_serious(
        client, coordinator, infused_patient):
    client.force_login(coordinator)
    response = client.post(NEW, form_data("adverse-event", serious="on"))
    assert response.status_code == 200
    assert NO_CRITERION in error_beside(response, "serious")
    assert not AdverseEvent.objects.exists()


def test_the_form_saves_a_serious_event_with_its_criteria(client, coordinator, infused_patient):
    client.force_login(coordinator)
    response = client.post(NEW, form_data("adverse-event", serious="on",
                                          sae_hospitalisation="on", sae_life_threatening="on"))
    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    assert (event.serious, event.sae_hospitalisation, event.sae_life_threatening,
            event.sae_death) == (True, True, True, False)


def test_the_form_offers_the_criteria_in_fields_hidden_until_serious_is_ticked(
        client, coordinator, infused_patient):
    # given
    client.force_login(coordinator)
    page = client.get(NEW).content.decode()
    css = (Path(settings.BASE_DIR) / "static" / "css" / "edc.css").read_text(encoding="utf-8")
    # then: each criterion is a field of its own, after "serious"
    positions = [page.index(f'id="field-{name}"') for name in SERIOUSNESS_CRITERIA]
    assert page.index('id="field-serious"') < min(positions)
    # and the style sheet hides exactly those while "serious" is not ticked (not one in error)
    rule = re.search(r"form\.crf:has\(#id_serious:not\(:checked\)\) :is\(([^)]*)\):not\(\.invalid\)"
                     r" \{ display: none; \}", css)
    assert rule is not None
    assert sorted(rule.group(1).split(", ")) == sorted(f"#field-{n}"
                                                       for n in SERIOUSNESS_CRITERIA)


BUNDLE = {"format": "edc-casebook", "version": 1,
          "study": {"protocol_id": "RD13-02-PH1", "escalation_design": "BOIN",
                    "target_dlt_rate": 0.3, "dlt_window_days": 28,
                    "dose_levels": [{"code": "DL1", "cells_per_kg": 5e6}]},
          "patients": [{"subject_id": "RD-100", "sex": "F", "age_at_consent": 30,
                        "diagnosis": "T-ALL", "consent_date": "2024-03-01",
                        "enrollment_date": "2024-03-04",
                        "adverse_events": [{"term": "Sepsis", "grade": 4,
                                            "onset_date": "2024-03-05", "serious": True,
                                            "relatedness": "unrelated"}]}]}


def test_the_import_refuses_a_serious_event_without_a_criterion_with_its_path():
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(deepcopy(BUNDLE))
    assert (f"patients[0].adverse_events[0].serious: {NO_CRITERION}"
            in "\n".join(refused.value.problems))
    assert not AdverseEvent.objects.exists()


def test_the_import_refuses_criteria_on_an_event_not_serious():
    bundle = deepcopy(BUNDLE)
    bundle["patients"][0]["adverse_events"][0].update(serious=False, sae_death=True)
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle)
    assert (f"patients[0].adverse_events[0].serious: {NOT_SERIOUS}"
            in "\n".join(refused.value.problems))


def test_the_import_takes_the_criteria_and_the_export_gives_them_back(client):
    # given
    bundle = deepcopy(BUNDLE)
    bundle["patients"][0]["adverse_events"][0]["sae_medically_important"] = True
    # when
    bundle_import_json(bundle)
    client.force_login(factories.user("monitor"))
    exported = client.get("/api/v1/casebook/").json()
    # then
    (event,) = exported["patients"][0]["adverse_events"]
    assert event["serious"] is True and event["sae_medically_important"] is True
    assert [event[c] for c in SERIOUSNESS_CRITERIA].count(True) == 1


def test_the_casebook_api_refuses_a_serious_event_without_a_criterion(client):
    client.force_login(factories.user("admin"))
    response = client.post("/api/v1/casebook/", json.dumps(BUNDLE),
                           content_type="application/json")
    assert response.status_code == 400
    assert NO_CRITERION in response.content.decode()
    assert not AdverseEvent.objects.exists()
