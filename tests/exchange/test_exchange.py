"""Import, export, replace and the demo trial: the casebook as the whole trial's exchange format."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.audit import field_changes
from exchange.demo_trial import demo_bundle
from exchange.dump import dumps, export_bundle
from exchange.services import bundle_import_json
from patients.models import Patient
from safety.models import AdverseEvent, DltAdjudication
from tests.data import DEMO_CASEBOOK, demo_casebook

pytestmark = pytest.mark.django_db


def round_trip(tmp_path, name="trial") -> tuple[bytes, bytes]:
    first, second = tmp_path / f"{name}-1.json", tmp_path / f"{name}-2.json"
    call_command("export_casebook", str(first))
    call_command("import_casebook", str(first), "--replace")
    call_command("export_casebook", str(second))
    return first.read_bytes(), second.read_bytes()


@pytest.mark.requirement("CON-MGMT-02")
def test_the_sample_imports_with_counts_and_a_system_audit_trail(capsys):
    call_command("import_casebook", str(DEMO_CASEBOOK))

    out = capsys.readouterr().out
    assert "6  patients" in out and "43  PK samples" in out
    patient = Patient.objects.get(subject_id="DEMO-01")
    [entry] = field_changes(patient)
    assert (entry["who"], entry["reason"], entry["type"]) == ("system", "import", "created")
    assert AdverseEvent.history.filter(history_user__username="system").count() == \
        AdverseEvent.objects.count()


@pytest.mark.requirement("CON-MGMT-03", "CON-MGMT-04")
def test_export_import_export_is_byte_identical_on_the_sample(tmp_path):
    call_command("import_casebook", str(DEMO_CASEBOOK))
    first, second = round_trip(tmp_path, "sample")
    assert first == second
    exported = json.loads(first)
    assert [p["subject_id"] for p in exported["patients"]] == sorted(
        p["subject_id"] for p in demo_casebook()["patients"])


@pytest.mark.requirement("CON-MGMT-03", "CON-MGMT-04")
def test_export_import_export_is_byte_identical_on_a_1000_patient_trial(tmp_path):
    call_command("seed_demo", patients=1000, seed=11)
    first, second = round_trip(tmp_path, "generated")
    assert first == second
    assert len(json.loads(first)["patients"]) == 1000


@pytest.mark.requirement("CON-MGMT-03")
def test_the_export_has_sorted_keys_and_every_field():
    bundle_import_json(demo_casebook())
    text = dumps(export_bundle())
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=1,
                              ensure_ascii=False) + "\n"
    patient = json.loads(text)["patients"][0]
    assert patient["adverse_events"][0]["crs"] is None
    assert patient["last_known_alive_date"] == "2023-12-01"


@pytest.mark.requirement("CON-MGMT-02", "CON-AUD-02")
def test_replace_voids_the_old_data_and_keeps_it(tmp_path):
    call_command("import_casebook", str(DEMO_CASEBOOK))
    old_ids = set(Patient.objects.values_list("pk", flat=True))

    call_command("import_casebook", str(DEMO_CASEBOOK), "--replace")

    assert Patient.objects.count() == 6
    old = Patient.all_objects.filter(pk__in=old_ids)
    assert all(p.void_reason == "replaced by a casebook import" for p in old)
    assert field_changes(old[0])[0]["reason"] == "replaced by a casebook import"


@pytest.mark.requirement("CON-MGMT-01")
def test_a_refused_import_exits_1_and_prints_every_problem(tmp_path, capsys):
    bundle = demo_casebook()
    bundle["patients"][3]["adverse_events"] = [{"term": "Fever", "grade": 7,
                                                "onset_date": "2023-04-01", "serious": False,
                                                "relatedness": "possible"}]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle))

    with pytest.raises(SystemExit) as exit_code:
        call_command("import_casebook", str(path))

    assert exit_code.value.code == 1
    err = capsys.readouterr().err
    assert "patients[3].adverse_events[0].grade: 7 is not a CTCAE grade (1–5)" in err
    assert "nothing was imported" in err
    assert not Patient.all_objects.exists()


def test_adjudications_in_a_bundle_are_signed_by_the_system_as_imported():
    bundle_import_json(demo_casebook())
    adjudication = DltAdjudication.objects.get()
    assert adjudication.signed_by.username == "system"
    assert "imported" in adjudication.rationale.lower()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.requirement("CON-MGMT-09")
def test_the_demo_trial_passes_its_own_import_validation(seed):
    counts = bundle_import_json(demo_bundle(60, seed))
    assert counts["patients"] == 60


@pytest.mark.requirement("CON-MGMT-09")
def test_the_demo_trial_is_deterministic_and_shaped_like_the_cohorts():
    bundle = demo_bundle(400, 5)
    assert bundle == demo_bundle(400, 5)
    assert bundle != demo_bundle(400, 6)
    infused = [p for p in bundle["patients"] if p.get("infusions")]
    w4 = [a["response"] for p in infused for a in p["response_assessments"] if a["visit"] == "W4"]
    crs = [ae["grade"] for p in infused for ae in p["adverse_events"]
           if ae["term"] == "Cytokine release syndrome"]
    assert 0.8 < sum(r in ("CR", "CRi") for r in w4) / len(infused) < 0.97
    assert sum(g <= 2 for g in crs) / len(crs) > 0.8
    assert 0.15 < sum(p["hsct"] is not None for p in infused) / len(infused) < 0.4
    peaks = []
    for p in infused:
        quantified = [(s["car_copies_per_ug_gdna"], s["nominal_day"]) for s in p["pk_samples"]
                      if s["car_copies_per_ug_gdna"]]
        if quantified:
            peaks.append(max(quantified)[1])
    assert sum(7 <= day <= 14 for day in peaks) / len(peaks) > 0.9
    assert all(date.fromisoformat(p["consent_date"]) <= date.today() for p in bundle["patients"])


def test_seed_demo_refuses_a_database_with_patients_unless_replacing():
    call_command("seed_demo", patients=5)
    with pytest.raises(CommandError, match="already holds patients"):
        call_command("seed_demo", patients=5)
    call_command("seed_demo", patients=7, seed=2, replace=True)
    assert Patient.objects.count() == 7


@pytest.mark.parametrize("patients", [0, 100_001])
@pytest.mark.requirement("CON-MGMT-09")
def test_seed_demo_takes_1_to_100000_patients(patients):
    with pytest.raises(CommandError, match="must be from 1 to 100,000"):
        call_command("seed_demo", patients=patients)


@pytest.mark.requirement("CON-MAKE-01")
def test_demo_setup_loads_the_demo_trial_once(tmp_path, monkeypatch):
    from exchange.management.commands import demo_setup

    monkeypatch.setattr(demo_setup, "CREDENTIALS_FILE", tmp_path / "credentials.txt")
    call_command("demo_setup")
    ids = set(Patient.objects.values_list("pk", flat=True))
    call_command("demo_setup")
    assert len(ids) == 20 and set(Patient.objects.values_list("pk", flat=True)) == ids
