"""Casebook import at trial scale: patients per second, and the ratio to a floor.

Floor: the very rows of the validated plan inserted by the driver's batch insert with no
validation and no history (rolled back afterwards). Measured: `manage.py import_casebook`'s
path — JSON parsing, whole-bundle validation with the models' rules, the insert and one history
row per record — into an empty database.
"""

import json
import os
import time

from bench.harness import summarize, table


class _Rollback(Exception):
    pass


def run() -> str:
    from django.db import transaction
    from django.utils import timezone

    from core.audit import system_user
    from core.bulk_history import _allocate_pks, _insert, _rows
    from dosing.models import DoseLevel
    from exchange.demo_trial import demo_bundle
    from exchange.read import read_bundle
    from exchange.services import bundle_import_json, parse_bundle
    from exchange.write import WRITE_ORDER, _rows_by_model, _write_study

    patients = int(os.environ.get("BENCH_PATIENTS", "10000"))
    text = json.dumps(demo_bundle(patients, seed=1))

    plan = read_bundle(parse_bundle(text), today=timezone.localdate(), replacing=True)
    start = time.perf_counter()
    try:
        with transaction.atomic():
            system = system_user()
            _write_study(plan, system, replace=True)
            levels = {level.code: level for level in DoseLevel.objects.all()}
            rows = _rows_by_model(plan, levels, system, timezone.now())
            total_rows = 0
            for model in WRITE_ORDER:
                objs = rows.get(model, [])
                for obj, pk in zip(objs, _allocate_pks(model, len(objs)), strict=True):
                    obj._prepare_related_fields_for_save(operation_name="bench")
                    obj.pk = pk
                    obj.created_at = obj.updated_at = timezone.now()
                fields = model._meta.concrete_fields
                _insert(model._meta.db_table, [f.column for f in fields], _rows(fields, objs))
                total_rows += len(objs)
            floor = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass

    start = time.perf_counter()
    data = parse_bundle(text)
    parsed = time.perf_counter()
    counts = bundle_import_json(data)
    done = time.perf_counter()
    seconds = done - start
    rows_out = [
        ("bare insert of the rows (floor)", f"{floor:.2f}", f"{patients / floor:,.0f}", "1.0"),
        ("import_casebook (parse + validate + insert + history)", f"{seconds:.2f}",
         f"{patients / seconds:,.0f}", f"{seconds / floor:.1f}"),
        ("  of which JSON parsing", f"{parsed - start:.2f}", "", ""),
    ]
    summarize("casebook import", patients, "seconds", seconds, floor)
    header = (f"casebook import: {patients:,} patients, {total_rows:,} rows "
              f"(+ as many history rows); {sum(counts.values()):,} rows imported")
    return header + "\n" + table(rows_out, ("step", "seconds", "patients/s", "× floor"))
