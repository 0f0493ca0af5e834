"""The demo trial's newer forms (`exchange.demo_forms`) agree with what the older generator drew
and with the rules that read them: the cytopenia AEs with the counts (and D5 with both), the
medications with the episodes they treated, each infusion's dose with its lot and its level; the
bundle imports with no soft check to confirm, the data review finds no unrecorded cytopenia or
IEC-HS picture in it, and what it holds comes back out of the export."""

import json
from datetime import date, datetime

import pytest
from django.core.management import call_command

from exchange import demo_trial, spec
from exchange.demo_trial import DOSE_LEVELS, demo_bundle
from exchange.dump import export_bundle
from exchange.services import bundle_import_json
from safety.dlt_rules import KIND_TERMS, ae_kind, last_count_by
from safety.grading import lab_grade

SEEDS = (1, 2, 3)
RECOVERY_DAY = 28  # D5: recovered to grade ≤ 2 by day 28 (clinical-rules.md, CLIN-D5-01)
CYTOPENIA = {"neutropenia": "anc", "thrombocytopenia": "platelets"}


def _day(patient: dict, on: str) -> int:
    day0 = date.fromisoformat(patient["infusions"][0]["date"])
    return (date.fromisoformat(on[:10]) - day0).days


def _counts(patient: dict, test: str) -> list[tuple[int, int]]:
    """(study day, CTCAE grade) of the patient's counts of `test`, graded with their own LLN."""
    return [(_day(patient, r["collected_at"]),
             lab_grade(test, r["value"], low=r["ref_low"], high=r["ref_high"]).grade)
            for r in patient["lab_results"] if r["test"] == test]


def _infused(bundle: dict) -> list[dict]:
    return [p for p in bundle["patients"] if p.get("infusions")]


@pytest.fixture(scope="module", params=SEEDS)
def bundle(request):
    return demo_bundle(300, seed=request.param)


# --- Pure: the bundle as generated --------------------------------------------------------------

def test_every_object_of_the_bundle_format_is_generated(bundle):
    """Every study list, patient key and AE detail holds something somewhere, except the two a
    generator does not write: deviations (raised by the edit checks) and contacts (written from
    `last_known_alive_date`)."""
    patients = bundle["patients"]
    present = {key for key in spec.STUDY_LISTS if bundle["study"].get(key)}
    present |= {key for p in patients for key in (*spec.PATIENT_SINGLES, *spec.PATIENT_LISTS)
                if p.get(key)}
    present |= {key for p in patients for ae in p.get("adverse_events", ())
                for key in spec.AE_DETAILS if ae.get(key)}
    expected = {*spec.STUDY_LISTS, *spec.PATIENT_SINGLES, *spec.PATIENT_LISTS, *spec.AE_DETAILS}
    assert expected - present == {"protocol_deviations", "follow_up_contacts"}


def test_the_older_fields_do_not_depend_on_the_newer_forms(monkeypatch):
    """The newer forms draw from their own sequence: without them, every older value is the
    same (so the endpoints of the demo do not move)."""
    with_forms = demo_bundle(120, seed=4)
    monkeypatch.setattr(demo_trial, "add_forms", lambda *args: None)
    without = demo_bundle(120, seed=4)
    for old, new in zip(without["patients"], with_forms["patients"], strict=True):
        for key, value in old.items():
            if key == "infusions":
                value = [dict(i, received_at=n["received_at"], thawed_at=n["thawed_at"])
                         for i, n in zip(value, new[key], strict=True)]
            if key == "adverse_events":
                assert new[key][:len(value)] == value
                assert all(ae_kind(e["term"]) in ("infection", "iec_hs")
                           for e in new[key][len(value):])
                continue
            assert new[key] == value, key


def test_every_grade_3_or_4_count_lies_inside_a_cytopenia_ae_of_its_grade(bundle):
    """A grade-4 AE has a grade-4 count, a grade-3 AE's counts stay grade 3, and no count of
    grade ≥ 3 lies outside an AE of its kind (the data review's `cytopenia_not_recorded`)."""
    checked = 0
    for patient in _infused(bundle):
        for kind, test in CYTOPENIA.items():
            spans = [(_day(patient, ae["onset_date"]),
                      _day(patient, ae["resolution_date"]) if ae["resolution_date"] else None,
                      ae["grade"])
                     for ae in patient["adverse_events"] if ae_kind(ae["term"]) == kind]
            counts = _counts(patient, test)
            for day, grade in counts:
                if grade >= 3:
                    assert any(onset <= day and (end is None or day <= end)
                               for onset, end, _g in spans), (patient["subject_id"], test, day)
            for onset, end, grade in spans:
                inside = [g for d, g in counts if onset <= d and (end is None or d < end)]
                assert inside and max(inside) == grade, (patient["subject_id"], test, onset)
                checked += 1
    assert checked > 100


def test_d5_from_the_counts_is_d5_from_the_ae_records(bundle):
    """For every grade-4 neutropenia or thrombocytopenia AE with onset by day 28: the last count
    from its onset to day 28 (`safety.dlt_rules.last_count_by`) says recovered exactly when the
    AE record does (resolved by day 28)."""
    outcomes = []
    for patient in _infused(bundle):
        for ae in patient["adverse_events"]:
            kind = ae_kind(ae["term"])
            onset = _day(patient, ae["onset_date"])
            if kind not in CYTOPENIA or ae["grade"] != 4 or onset > RECOVERY_DAY:
                continue
            intended = ae["resolution_date"] is not None and \
                _day(patient, ae["resolution_date"]) <= RECOVERY_DAY
            last = last_count_by(tuple(_counts(patient, CYTOPENIA[kind])), onset, RECOVERY_DAY)
            assert last is not None
            assert (last[1] <= 2) == intended, (patient["subject_id"], ae["term"], last)
            outcomes.append(intended)
    assert len(outcomes) > 50


def test_no_ferritin_above_twice_its_uln_after_day_0_outside_an_iec_hs_ae(bundle):
    iec_hs = 0
    for patient in _infused(bundle):
        spans = [(_day(patient, ae["onset_date"]),
                  _day(patient, ae["resolution_date"]) if ae["resolution_date"] else 10**6)
                 for ae in patient["adverse_events"] if ae_kind(ae["term"]) == "iec_hs"]
        iec_hs += len(spans)
        for r in patient["lab_results"]:
            day = _day(patient, r["collected_at"])
            if r["test"] == "ferritin" and day > 0 and r["value"] > 2 * r["ref_high"]:
                assert any(onset <= day <= end for onset, end in spans), patient["subject_id"]
        for ae in patient["adverse_events"]:
            if ae.get("iec_hs"):
                assert ae["iec_hs"]["astct_grade"] == ae["grade"]
                ferritins = [r["value"] for r in patient["lab_results"]
                             if r["test"] == "ferritin" and r["collected_at"][:10]
                             >= ae["onset_date"]]
                assert max(ferritins) == ae["iec_hs"]["ferritin_peak_ng_ml"]
    assert iec_hs > 0


def test_toxicity_treatments_name_their_crs_or_icans_and_fall_inside_the_episode(bundle):
    linked = 0
    for patient in _infused(bundle):
        events = patient["adverse_events"]
        limit = patient["death"]["date"] if patient.get("death") else \
            patient["last_known_alive_date"]
        for medication in patient["concomitant_medications"]:
            index = medication["treated_adverse_event"]
            if medication["drug"] in ("tocilizumab", "vasopressor"):
                assert index is not None
                assert ae_kind(events[index]["term"]) == "crs"
            if index is None:
                continue
            event = events[index]
            end = event["resolution_date"] or limit
            assert event["onset_date"] <= medication["start_date"] <= end
            assert medication["stop_date"] is None or medication["stop_date"] <= end
            if medication["drug"] == "corticosteroid":
                assert ae_kind(event["term"]) in ("crs", "icans", "iec_hs")
            linked += 1
        crs = [e for e in events if ae_kind(e["term"]) == "crs" and e["grade"] >= 2]
        tocilizumab = {m["treated_adverse_event"] for m in patient["concomitant_medications"]
                       if m["drug"] == "tocilizumab"}
        assert all(events.index(e) in tocilizumab for e in crs)
    assert linked > 100


def test_every_infusion_is_given_from_its_released_lot_at_the_dose_of_its_level(bundle):
    lots = {lot["lot_number"]: lot for lot in bundle["study"]["product_lots"]}
    donors = {donor["donor_code"] for donor in bundle["study"]["donors"]}
    levels = {level["code"]: level["cells_per_kg"] for level in DOSE_LEVELS}
    for patient in _infused(bundle):
        for infusion in patient["infusions"]:
            lot = lots[infusion["product_lot"]]
            assert lot["donor"] in donors
            assert (lot["release_status"], lot["released_for"]) == ("released",
                                                                    patient["subject_id"])
            assert lot["manufacture_date"] <= lot["release_date"] <= infusion["date"]
            assert lot["sterility"] == lot["mycoplasma"] == "negative"
            assert lot["car_positive_viable_cells"] <= lot["viable_cells"] <= \
                lot["total_nucleated_cells"]
            received = lot["car_positive_viable_cells"] / infusion["weight_kg"]
            planned = levels[infusion["dose_level"]]
            assert abs(received - planned) <= 0.10 * planned
            received_at = datetime.fromisoformat(infusion["received_at"])
            thawed_at = datetime.fromisoformat(infusion["thawed_at"])
            start = datetime.fromisoformat(f"{infusion['date']}T{infusion['time']}+00:00")
            assert received_at <= thawed_at < start


def test_nothing_new_is_dated_after_death_or_the_last_date_known_alive(bundle):
    keys = ("vital_signs", "lab_results", "concomitant_medications", "rcl_tests",
            "ltfu_visits", "secondary_malignancies", "bridging_therapies")
    for patient in bundle["patients"]:
        limit = (patient["death"] or {}).get("date") if patient.get("death") else \
            patient.get("last_known_alive_date") or (patient.get("off_study") or {}).get("date")
        if limit is None:
            continue
        for key in keys:
            for record in patient.get(key, ()):
                dates = [v[:10] for k, v in record.items() if isinstance(v, str)
                         and k.endswith(("_at", "_date")) and v[:4].isdigit()]
                assert all(d <= limit for d in dates), (patient["subject_id"], key, record)


# --- Through the database ---------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS)
def test_the_data_review_finds_no_unrecorded_cytopenia_or_iec_hs_picture(seed, capsys):
    bundle_import_json(demo_bundle(80, seed))  # no soft check to confirm
    capsys.readouterr()
    call_command("data_review", "--cutoff", "2025-06-30")
    rules = [f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert "cytopenia_not_recorded" not in rules
    assert "iec_hs_labs_not_recorded" not in rules


@pytest.mark.django_db
def test_every_imported_infusion_is_linked_to_its_lot_and_given_its_level_dose():
    from dosing.edit_checks import DOSE_TOLERANCE
    from dosing.models import Infusion

    bundle_import_json(demo_bundle(60, seed=2))
    infusions = list(Infusion.objects.select_related("lot", "dose_level", "patient"))
    assert infusions
    for infusion in infusions:
        assert infusion.lot is not None and infusion.lot.released_for_id == infusion.patient_id
        planned = infusion.dose_level.cells_per_kg
        assert abs(infusion.received_cells_per_kg - planned) <= DOSE_TOLERANCE * planned


def _normalised(key: str, part: spec.Part, rows: list[dict], events: list[dict]) -> list[str]:
    """A list of bundle objects as comparable text: every key of its part present, blank text as
    null, date-times as instants, a medication's event by its term and onset; in a fixed order."""
    out = []
    for row in rows:
        row = {k: row.get(k) for k in (*part.keys, *(
            (spec.TREATED_EVENT_KEY,) if key == "concomitant_medications" else ()))}
        for k, value in row.items():
            if value == "":
                row[k] = None
            elif isinstance(value, str) and "T" in value and value[:4].isdigit():
                row[k] = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        if row.get(spec.TREATED_EVENT_KEY) is not None:
            event = events[row[spec.TREATED_EVENT_KEY]]
            row[spec.TREATED_EVENT_KEY] = (event["term"], event["onset_date"])
        out.append(json.dumps(row, sort_keys=True, default=str))
    return sorted(out)


@pytest.mark.django_db
def test_the_newer_forms_come_back_out_of_the_export_as_generated():
    bundle = demo_bundle(40, seed=5)
    bundle_import_json(bundle)
    exported = export_bundle()
    for key, part in (("donors", spec.DONOR), ("product_lots", spec.PRODUCT_LOT)):
        links = spec.LOT_LINKS if key == "product_lots" else ()
        assert _normalised(key, spec.Part(part.model, {**part.keys, **{k: k for k in links}}),
                           exported["study"][key], []) == \
            _normalised(key, spec.Part(part.model, {**part.keys, **{k: k for k in links}}),
                        bundle["study"][key], []), key
    ours = {p["subject_id"]: p for p in bundle["patients"]}
    newer = ("medical_history", "prior_therapies", "bridging_therapies", "vital_signs",
             "lab_results", "concomitant_medications", "secondary_malignancies", "rcl_tests",
             "ltfu_visits", "infusions", "adverse_events")
    for patient in exported["patients"]:
        generated = ours[patient["subject_id"]]
        events = generated.get("adverse_events", [])
        for key in ("eligibility", "disease_at_screening"):
            part = spec.PATIENT_SINGLES[key]
            assert _normalised(key, part, [patient[key]], []) == \
                _normalised(key, part, [generated[key]], []), key
        for key in newer:
            part = spec.PATIENT_LISTS[key]
            assert _normalised(key, part, patient[key], patient["adverse_events"]) == \
                _normalised(key, part, generated.get(key, []), events), key
        for detail in ("infection", "iec_hs"):
            part = spec.AE_DETAILS[detail]
            assert _normalised(detail, part, [e[detail] for e in patient["adverse_events"]
                                              if e[detail]], []) == \
                _normalised(detail, part, [e[detail] for e in events if e.get(detail)], []), \
                detail


def test_the_terms_the_demo_writes_are_the_kinds_the_rules_read():
    from exchange import demo_forms

    assert ae_kind(demo_forms.IEC_HS) == "iec_hs"
    assert demo_forms.CRS in KIND_TERMS["crs"] and demo_forms.ICANS in KIND_TERMS["icans"]
    assert {ae_kind(i[0]) for i in (*demo_forms.INFECTIONS, *demo_forms.SEVERE_INFECTIONS)} == \
        {"infection"}


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles"])
def test_the_demo_imports_in_a_study_time_zone_other_than_utc(zone, settings, capsys):
    """The infusion's 10:00 is local: the thaw is timed in the same zone (EC-INF-05), and the
    counts are collected on the days the AEs are dated (the review reads local dates)."""
    settings.TIME_ZONE = zone
    bundle_import_json(demo_bundle(40, seed=1, time_zone=zone))
    capsys.readouterr()
    call_command("data_review", "--cutoff", "2025-06-30")
    rules = [f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert "cytopenia_not_recorded" not in rules and "iec_hs_labs_not_recorded" not in rules


def test_the_baseline_is_shaped_like_the_cohorts(bundle):
    """Heavily pretreated: a third after a transplant, a few after a CAR-T; mostly CNS1."""
    patients = bundle["patients"]

    def share(condition):
        return sum(map(condition, patients)) / len(patients)

    assert 0.2 < share(lambda p: any(t["therapy_type"] == "hsct"
                                     for t in p["prior_therapies"])) < 0.45
    assert 0.01 < share(lambda p: any(t["therapy_type"] == "car_t"
                                      for t in p["prior_therapies"])) < 0.15
    assert share(lambda p: p["disease_at_screening"]["cns_status"] == "CNS1") > 0.7
