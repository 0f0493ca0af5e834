"""Writing the whole trial as a casebook bundle: stable order, sorted keys, one query per form.

Every key of the bundle format is written (null where empty), so an export is self-describing
and `export → import --replace → export` gives the same bytes.
"""

import json
from collections import defaultdict
from datetime import UTC, date, datetime, time

from django.contrib.contenttypes.models import ContentType

from core.models import Study
from dosing.models import Donor, DoseLevel, ProductLot
from exchange import spec


def _json_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    if value == "":
        return None  # blank text and "not given" are the same thing in a bundle
    return value


def _as_dict(part: spec.Part, record) -> dict:
    return {key: _json_value(getattr(record, name)) for key, name in part.keys.items()}


def _grouped(model, by: str, order: tuple[str, ...], select=()) -> dict:
    groups = defaultdict(list)
    for record in model.objects.select_related(*select).order_by(*order, "pk"):
        groups[getattr(record, by)].append(record)
    return groups


def _lot_dict(lot) -> dict:
    data = _as_dict(spec.PRODUCT_LOT, lot)
    data["donor"] = lot.donor.donor_code
    data["released_for"] = lot.released_for.subject_id if lot.released_for_id else None
    return data


def _paths_of(patient, singles, lists) -> dict:
    """(content type id, pk) → the record's JSON path within the patient object."""
    paths = {}
    for key in spec.PATIENT_SINGLES:
        record = singles[key].get(patient.pk)
        if record is not None:
            paths[(ContentType.objects.get_for_model(record).pk, record.pk)] = key
    for key in spec.PATIENT_LISTS:
        for j, record in enumerate(lists[key].get(patient.pk, [])):
            paths[(ContentType.objects.get_for_model(record).pk, record.pk)] = f"{key}[{j}]"
    return paths


def _name_deviation_records(patient, singles, lists, data) -> None:
    deviations = lists["protocol_deviations"].get(patient.pk, [])
    paths = _paths_of(patient, singles, lists) if deviations else {}
    for deviation, row in zip(deviations, data["protocol_deviations"], strict=True):
        row[spec.DEVIATION_RECORD_KEY] = paths.get((deviation.record_type_id,
                                                    deviation.record_id))


def export_bundle() -> dict:
    study = Study.load()
    study_data = _as_dict(spec.STUDY, study)
    study_data["dose_levels"] = [_as_dict(spec.DOSE_LEVEL, level)
                                 for level in DoseLevel.objects.order_by("rank")]
    study_data["donors"] = [_as_dict(spec.DONOR, donor) for donor in Donor.objects.all()]
    study_data["product_lots"] = [_lot_dict(lot) for lot in ProductLot.objects.select_related(
        "donor", "released_for")]
    singles = {key: {r.patient_id: r for r in part.model.objects.all()}
               for key, part in spec.PATIENT_SINGLES.items()}
    lists = {
        "medical_history": _grouped(spec.MEDICAL_HISTORY.model, "patient_id", ()),
        "prior_therapies": _grouped(spec.PRIOR_THERAPY.model, "patient_id",
                                    ("line_number", "start")),
        "bridging_therapies": _grouped(spec.BRIDGING_THERAPY.model, "patient_id",
                                       ("start_date",)),
        "vital_signs": _grouped(spec.VITAL_SIGNS.model, "patient_id", ("measured_at",)),
        "infusions": _grouped(spec.INFUSION.model, "patient_id", ("number",), ("dose_level",)),
        "adverse_events": _grouped(spec.ADVERSE_EVENT.model, "patient_id", ("onset_date",)),
        "response_assessments": _grouped(spec.RESPONSE.model, "patient_id", ("date",)),
        "disease_events": _grouped(spec.DISEASE_EVENT.model, "patient_id", ("date",)),
        "pk_samples": _grouped(spec.PK_SAMPLE.model, "patient_id", ("collected_at",)),
        "follow_up_contacts": _grouped(spec.CONTACT.model, "patient_id", ("contact_date",)),
        "lab_results": _grouped(spec.LAB_RESULT.model, "patient_id", ("collected_at", "test")),
        "concomitant_medications": _grouped(spec.CONMED.model, "patient_id", ("start_date",)),
        "secondary_malignancies": _grouped(spec.SECONDARY_MALIGNANCY.model, "patient_id",
                                           ("diagnosis_date",)),
        "rcl_tests": _grouped(spec.RCL_TEST.model, "patient_id", ("sample_date",)),
        "ltfu_visits": _grouped(spec.LTFU_VISIT.model, "patient_id", ("contact_date",)),
        "protocol_deviations": _grouped(spec.DEVIATION.model, "patient_id",
                                        ("deviation_date", "identified_on")),
    }
    details = {key: {r.adverse_event_id: r for r in part.model.objects.all()}
               for key, part in spec.AE_DETAILS.items()}
    decisions = dict(spec.DLT_ADJUDICATION_MODEL.objects.values_list("adverse_event_id",
                                                                     "decision"))
    patients = []
    for patient in spec.PATIENT.model.objects.order_by("subject_id"):
        data = _as_dict(spec.PATIENT, patient)
        data["off_study"] = ({"date": patient.off_study_date.isoformat(),
                              "reason": patient.off_study_reason}
                             if patient.off_study_date else None)
        for key, part in spec.PATIENT_SINGLES.items():
            record = singles[key].get(patient.pk)
            data[key] = _as_dict(part, record) if record else None
        for key, part in spec.PATIENT_LISTS.items():
            data[key] = [_as_dict(part, r) for r in lists[key].get(patient.pk, [])]
        for infusion, row in zip(lists["infusions"].get(patient.pk, []), data["infusions"],
                                 strict=True):
            row["dose_level"] = infusion.dose_level.code
        for ae, row in zip(lists["adverse_events"].get(patient.pk, []), data["adverse_events"],
                           strict=True):
            for key, part in spec.AE_DETAILS.items():
                record = details[key].get(ae.pk)
                row[key] = _as_dict(part, record) if record else None
            row["dlt_adjudication"] = decisions.get(ae.pk)
        _link_treated_events(lists, patient.pk, data)
        _name_deviation_records(patient, singles, lists, data)
        contacts = data["follow_up_contacts"]
        data["last_known_alive_date"] = max((c["date"] for c in contacts), default=None)
        patients.append(data)
    return {"format": spec.FORMAT, "version": spec.VERSION, "study": study_data,
            "patients": patients}


def _link_treated_events(lists: dict, patient_id, data: dict) -> None:
    """Each medication names the event it treated by the event's index in `adverse_events`."""
    index = {ae.pk: i for i, ae in enumerate(lists["adverse_events"].get(patient_id, []))}
    for medication, row in zip(lists["concomitant_medications"].get(patient_id, []),
                               data["concomitant_medications"], strict=True):
        row[spec.TREATED_EVENT_KEY] = index.get(medication.treated_event_id)


def dumps(bundle: dict) -> str:
    return json.dumps(bundle, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
