"""Frozen data cuts: freezing with an e-signature, never pruned, and re-derived from the audit
trail at the cut's positions byte for byte, whatever changed in the trial since."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.audit import record_save, record_void
from core.esignature import WrongPasswordError
from efficacy.models import ResponseAssessment
from endpoints import data_cuts
from endpoints.data_cuts import (
    data_cut_freeze,
    first_difference,
    rederive,
    rederive_and_compare,
    stored_documents,
)
from endpoints.models import DataCut, EndpointSnapshot
from endpoints.snapshots import compute, compute_for_reader, data_positions, recompute
from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from patients.models import Patient
from safety.models import AdverseEvent
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-passphrase"
PAST_CUTOFF = date(2025, 6, 30)


@pytest.fixture
def trial():
    bundle_import_json(demo_bundle(14, seed=7))
    recompute()  # the DLT candidates in line, as a running trial has them
    return factories.user("monitor")


def freeze(by, name="SRC meeting 3, DL2 cohort", cutoff=None):
    return data_cut_freeze(name=name, reason="safety review committee meeting 3", cutoff=cutoff,
                           by=by, password=PASSWORD)


def change_everything_after(cutoff: date):
    """Edits, voids and new records after a freeze, dated before the cut's cutoff, so that a
    report re-derived at the cutoff date alone would differ."""
    coordinator = factories.user("coordinator")
    assessment = ResponseAssessment.objects.filter(date__lte=cutoff).order_by("pk").first()
    assessment.response = "PD" if assessment.response != "PD" else "CR"
    record_save(assessment, by=coordinator, reason="re-read the marrow report")
    event = AdverseEvent.objects.filter(onset_date__lte=cutoff).order_by("-grade", "pk").first()
    record_void(event, by=coordinator, reason="entered for the wrong patient")
    newcomer = factories.patient("RD-900", consent_date=cutoff - timedelta(days=120),
                                 enrollment_date=cutoff - timedelta(days=118))
    factories.lymphodepletion(newcomer, start=cutoff - timedelta(days=110))
    factories.infusion(newcomer, on=cutoff - timedelta(days=105))
    factories.response(newcomer, on=cutoff - timedelta(days=77))
    recompute()  # and the live recompute brings the DLT candidates in line again


@pytest.mark.parametrize("cutoff", [None, PAST_CUTOFF])
def test_a_cut_rederived_from_the_audit_trail_equals_its_snapshot_byte_for_byte(trial, cutoff):
    cut = freeze(trial, cutoff=cutoff)
    frozen_report, frozen_review = stored_documents(cut.snapshot)
    change_everything_after(cut.cutoff)
    # The trial as it stands now gives another report at the same cutoff…
    now = compute(cut.cutoff, today=cut.rules_day, reconcile=False)
    assert json.dumps(now.report, sort_keys=True) != json.dumps(json.loads(frozen_report),
                                                                sort_keys=True)
    # …while the audit trail at the cut's positions gives the frozen one, byte for byte.
    derived = rederive(cut)
    field = EndpointSnapshot._meta.get_field("report")
    assert field.get_prep_value(derived.report) == frozen_report
    assert field.get_prep_value(derived.review) == frozen_review
    assert rederive_and_compare(cut) is None
    # Re-deriving rolled everything back: the trial is as the changes left it.
    assert Patient.objects.filter(subject_id="RD-900").exists()
    assert compute(cut.cutoff, today=cut.rules_day, reconcile=False).report == now.report


def test_rederiving_at_other_positions_finds_the_first_difference(trial):
    cut = freeze(trial)
    change_everything_after(cut.cutoff)
    cut.positions = data_positions()  # as if frozen now: not what the snapshot holds
    difference = rederive_and_compare(cut)
    assert difference is not None and difference.startswith(("report", "review"))


def test_the_command_says_match_or_the_first_difference(trial, capsys):
    cut = freeze(trial)
    change_everything_after(cut.cutoff)
    call_command("rederive_data_cut", cut.name)
    assert "match" in capsys.readouterr().out
    DataCut.objects.filter(pk=cut.pk).update(positions={})  # nothing recorded yet
    with pytest.raises(CommandError, match="differs"):
        call_command("rederive_data_cut", cut.name)
    with pytest.raises(CommandError, match="no data cut named"):
        call_command("rederive_data_cut", "no such cut")


def test_a_cut_records_the_data_version_and_the_signature(trial):
    cut = freeze(trial)
    assert cut.snapshot.data_version == str(sum(cut.positions.values()))
    assert cut.snapshot.data_version == compute_for_reader(cut.cutoff).data_version
    assert cut.signed_by == trial and cut.signer_printed_name
    assert "freeze this data cut" in cut.signature_meaning
    assert cut.history.count() == 1  # audited
    assert cut.cutoff == timezone.localdate() == cut.rules_day


def test_a_frozen_snapshot_is_never_pruned(trial, settings):
    settings.REPORT_PAST_CUTOFFS_KEPT = 2
    cut = freeze(trial, cutoff=PAST_CUTOFF)
    for days in range(1, 6):
        compute_for_reader(PAST_CUTOFF - timedelta(days=days))
    for _ in range(25):
        recompute()
    assert EndpointSnapshot.objects.filter(pk=cut.snapshot_id).exists()
    assert EndpointSnapshot.objects.filter(data_cut__isnull=True,
                                           cutoff__lt=timezone.localdate()).count() == 2


def test_freezing_needs_the_password_a_reason_and_a_new_name(trial):
    with pytest.raises(WrongPasswordError):
        data_cut_freeze(name="x", reason="y", cutoff=None, by=trial, password="wrong")
    with pytest.raises(ValidationError) as refused:
        data_cut_freeze(name="SRC 1", reason="  ", cutoff=None, by=trial, password=PASSWORD)
    assert "reason" in refused.value.message_dict
    freeze(trial, name="SRC 1")
    with pytest.raises(ValidationError) as refused:
        freeze(trial, name="src 1")
    assert "unique" in " ".join(refused.value.message_dict["name"])
    with pytest.raises(ValueError, match="cutoff"):
        freeze(trial, name="SRC 2", cutoff=timezone.localdate() + timedelta(days=1))
    assert DataCut.objects.count() == 1


def test_a_name_taken_by_a_freeze_finishing_meanwhile_is_refused_with_the_message(
        trial, monkeypatch):
    # given another freeze that takes the name after this one checked it was free
    other = freeze(trial, name="SRC 1")
    computing = data_cuts.compute

    def other_freeze_lands(*args, **kwargs):
        computed = computing(*args, **kwargs)
        DataCut.objects.filter(pk=other.pk).update(name="SRC 2")
        return computed

    monkeypatch.setattr(data_cuts, "compute", other_freeze_lands)
    # then the name is refused with its message, not a server error (the save's unique check
    # finds it; in a true race past that check, the unique index does, caught the same way)
    with pytest.raises(ValidationError) as refused:
        freeze(trial, name="SRC 2")
    assert refused.value.message_dict["name"] == [data_cuts.NAME_TAKEN]
    assert DataCut.objects.count() == 1


def test_first_difference_names_the_path():
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == (
        "$.a[1].b: frozen 2, re-derived 3")
    assert first_difference({"a": [1]}, {"a": [1]}) is None
