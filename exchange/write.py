"""Writing a validated casebook plan: one transaction, bulk inserts that keep the audit trail.

Every row gets its history row (`core.bulk_history`) attributed to the importing user (the
system user for the command) with the reason "import"; `replace` first voids the trial's current
clinical data (kept, with a history row each), so nothing clinical is ever deleted.

A bundle's DLT decisions come in as migrated legacy decisions, never as e-signatures
(`safety.adjudication.dlt_decision_migrated`), and a replace is refused while an investigator's
e-signed decision is current: an import neither makes a signature nor overturns one.
"""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.audit import ClinicalRecord, data_changed, record_save, system_user
from core.bulk_history import BATCH, insert_history, insert_with_history
from core.edit_checks import checked_save_done
from core.models import Study
from dosing.models import Donor, DoseLevel, ProductLot
from exchange import spec
from exchange.read import BundleProblems, Plan
from monitoring.locks import trial_locks
from safety.adjudication import dlt_decision_migrated
from safety.models import DltCandidate
from safety.selectors import esigned_dlt_decisions

IMPORT_REASON = "import"
REPLACE_REASON = "replaced by a casebook import"

Progress = Callable[[str, int], None]
# An import at least this large refreshes PostgreSQL's planner statistics of the tables it wrote.
ANALYZE_AFTER_ROWS = 1000


def _no_progress(step: str, done: int) -> None:
    return None


# Clinical models in the order their rows can be written (parents before children).
WRITE_ORDER = (
    spec.PATIENT.model, spec.ELIGIBILITY.model, spec.CONTACT.model, spec.LYMPHODEPLETION.model,
    spec.INFUSION.model, spec.ADVERSE_EVENT.model, spec.CRS.model, spec.ICANS.model,
    spec.GVHD.model, spec.INFECTION.model, spec.IEC_HS.model, spec.DLT_ADJUDICATION_MODEL,
    spec.RESPONSE.model, spec.DISEASE_EVENT.model, spec.HSCT.model, spec.DEATH.model,
    spec.PK_SAMPLE.model, spec.SECONDARY_MALIGNANCY.model, spec.RCL_TEST.model,
    spec.LAB_RESULT.model, spec.CONMED.model, spec.MEDICAL_HISTORY.model,
    spec.PRIOR_THERAPY.model, spec.DISEASE_AT_SCREENING.model, spec.BRIDGING_THERAPY.model,
    spec.VITAL_SIGNS.model, spec.LTFU_VISIT.model, spec.DEVIATION.model,
)
# A replace voids these too: the DLT rules raise candidates again from the new data.
VOIDED_ON_REPLACE = (*WRITE_ORDER, DltCandidate)


def bundle_import(plan: Plan, *, replace: bool, by=None,
                    progress: Progress = _no_progress) -> dict:
    """Write the plan as `by` (default: the system user); returns the rows written per form.

    A replace is refused (BundleProblems, nothing written) while any form or casebook is locked,
    or any current DLT decision is an investigator's e-signature: it would void them. The locks
    and the decisions are read once, not per row.
    """
    if replace and (problems := _replace_refusals()):
        raise BundleProblems(problems)
    by = by or system_user()
    now = timezone.now()
    with transaction.atomic():
        if replace:
            _void_clinical_data(by, now, progress)
        _write_study(plan, by, replace)
        levels = {level.code: level for level in DoseLevel.objects.all()}
        rows = _rows_by_model(plan, levels, by, now)
        counts = {}
        for model in WRITE_ORDER:
            objs = rows.get(model, [])
            if model is spec.DEVIATION.model:
                _link_records(objs)  # their records have their keys now
            for start in range(0, len(objs), BATCH):
                insert_with_history(model, objs[start:start + BATCH], user=by,
                                    reason=IMPORT_REASON, when=now)
                progress(model._meta.verbose_name_plural, min(start + BATCH, len(objs)))
            counts[str(model._meta.verbose_name_plural)] = len(objs)
            if model is spec.PATIENT.model:  # a lot is released for a patient now saved
                _link_lots(rows, _write_product(plan, by))
        _confirmed_soft_checks(plan, by)
        data_changed()
        if sum(counts.values()) >= ANALYZE_AFTER_ROWS:
            transaction.on_commit(_refresh_planner_statistics)
    return counts


def _link_records(deviations) -> None:
    for deviation in deviations:
        record = getattr(deviation, "bundle_record", None)
        if record is not None:
            deviation.record_type = ContentType.objects.get_for_model(record)
            deviation.record_id = record.pk


def _confirmed_soft_checks(plan: Plan, by) -> None:
    """The soft edit checks the import confirmed (`read_bundle(confirm_soft_checks=…)`): each
    opens its system query for the monitor, with the confirming reason, as a form's save does."""
    for patient_plan in plan.patients:
        by_record: dict[int, tuple] = {}
        for record, finding in patient_plan.soft_findings:
            by_record.setdefault(id(record), (record, []))[1].append(finding)
        for record, fired in by_record.values():
            checked_save_done(record, fired, {f.id: plan.soft_checks_reason for f in fired}, by)


def _replace_refusals() -> list[str]:
    problems = [f"replace: {lock.message}" for lock in trial_locks()]
    for decision in esigned_dlt_decisions():
        event = decision.adverse_event
        problems.append(
            f"replace: the DLT decision ({decision.decision}) on {event.patient.subject_id}'s "
            f"adverse event {event.term} (onset {event.onset_date}) is e-signed by "
            f"{decision.signer_printed_name} ({decision.signed_at:%Y-%m-%d}); an import may not "
            "overturn it: revoke it first on the DLT review page "
            f"({reverse('safety:review', args=[event.pk])}), with the investigator's "
            "e-signature")
    return problems


def _refresh_planner_statistics():
    """ANALYZE the tables a large import wrote, as PostgreSQL advises after a bulk load
    ("Populating a Database"). Until autovacuum gets to them (a minute at best; never where it
    is off) the planner reads a freshly filled table as nearly empty, and a join over it can
    turn into a nested loop: a 10,000-patient API page took 8 s instead of 50 ms."""
    if connection.vendor != "postgresql":
        return
    tables = []
    for model in VOIDED_ON_REPLACE:
        tables += [model._meta.db_table, model.history.model._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(f'"{table}"' for table in tables))


def _rows_by_model(plan: Plan, levels: dict, by, now) -> dict:
    rows: dict = {}

    def add(record):
        rows.setdefault(type(record), []).append(record)

    for patient_plan in plan.patients:
        add(patient_plan.patient)
        for record in patient_plan.singles.values():
            add(record)
        for key, records in patient_plan.lists.items():
            for record in records:
                if key == "infusions":
                    record.dose_level = levels[record.dose_level_code]
                add(record)
        for _key, record in patient_plan.ae_details:
            add(record)
        for adverse_event, decision in patient_plan.adjudications:
            add(dlt_decision_migrated(adverse_event=adverse_event, decision=decision,
                                      imported_by=by, at=now))
    return rows


def _write_study(plan: Plan, by, replace: bool):
    study = Study.load()
    changed = [name for name, value in plan.study.items() if getattr(study, name) != value]
    if study._state.adding or changed:
        for name, value in plan.study.items():
            setattr(study, name, value)
        record_save(study, by=by, reason=IMPORT_REASON)
    existing = {level.code: level for level in DoseLevel.objects.all()}
    if replace and existing:
        # Ranks are unique: move the current ones out of the way before renumbering.
        top = max(level.rank for level in existing.values())
        for level in sorted(existing.values(), key=lambda lv: -lv.rank):
            level.rank += top + len(plan.dose_levels)
            record_save(level, by=by, reason=REPLACE_REASON, validate=False)
    for values in plan.dose_levels:
        level = existing.get(values["code"]) or DoseLevel(code=values["code"])
        if not level._state.adding and all(
                getattr(level, k) == v for k, v in values.items()):
            continue
        for name, value in values.items():
            setattr(level, name, value)
        record_save(level, by=by, reason=IMPORT_REASON)


def _write_product(plan: Plan, by) -> dict:
    """The bundle's donors and lots, added or updated by code through the audited door (a lot's
    patient is the bundle's, now saved, or this database's current one). Returns every lot by
    number. Lots and donors are the trial's master data: a replace updates them, never voids."""
    donors = {d.donor_code: d for d in Donor.objects.all()}
    for donor in plan.donors:
        donors[donor.donor_code] = _upsert(donors.get(donor.donor_code), donor, by)
    patients = {p.patient.subject_id.upper(): p.patient for p in plan.patients}
    lots = {lot.lot_number: lot for lot in ProductLot.objects.all()}
    for lot in plan.lots:
        lot.donor = donors[lot.donor.donor_code]
        if lot.released_for is not None:
            subject = lot.released_for.subject_id
            lot.released_for = patients.get(subject.upper()) or \
                spec.PATIENT.model.objects.get(subject_id__iexact=subject)
        lots[lot.lot_number] = _upsert(lots.get(lot.lot_number), lot, by)
    return lots


def _upsert(stored, new, by):
    """`new` saved as a new row, or its values saved onto `stored` when they differ."""
    if stored is None:
        return record_save(new, by=by, reason=IMPORT_REASON, validate=False)
    names = [f.attname for f in type(new)._meta.concrete_fields
             if f.editable and not f.primary_key]
    if all(getattr(stored, n) == getattr(new, n) for n in names):
        return stored
    for name in names:
        setattr(stored, name, getattr(new, name))
    return record_save(stored, by=by, reason=IMPORT_REASON, validate=False)


def _link_lots(rows: dict, lots: dict) -> None:
    """Each infusion linked to a lot of the bundle points at the lot as saved."""
    for infusion in rows.get(spec.INFUSION.model, []):
        if infusion.lot is not None:
            infusion.lot = lots[infusion.lot.lot_number]


def _void_clinical_data(by, now, progress: Progress):
    """Take every current clinical row out of the trial's data, keeping it and its history."""
    for model in reversed(VOIDED_ON_REPLACE):
        if not issubclass(model, ClinicalRecord):
            continue
        model.objects.update(voided_at=now, voided_by=by, void_reason=REPLACE_REASON,
                             row_version=F("row_version") + 1, updated_at=now)
        voided = list(model.all_objects.filter(voided_at=now, void_reason=REPLACE_REASON))
        insert_history(model, voided, user=by, reason=REPLACE_REASON, when=now,
                       history_type="~")
        progress(f"voided {model._meta.verbose_name_plural}", len(voided))
