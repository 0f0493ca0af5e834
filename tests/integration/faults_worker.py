"""The project's Celery app with a pause in the middle of each recompute, for the fault tests.

A test starts a worker with `-A tests.integration.faults_worker` to kill it, or to race another,
while a recompute holds its transaction and the recompute lock: the DLT candidates are
reconciled but not committed and no snapshot is stored. Each paused recompute writes a file
named after the worker's process id into EDC_PAUSE_DIR, then sleeps EDC_PAUSE_SECONDS.
Production code has no pause; only this worker's copy of `data_positions` (read by the
recompute inside its transaction, after the reconcile) is wrapped.
"""

import os
import time
from pathlib import Path

from celery.signals import worker_init

from trial_edc.celery import app

__all__ = ["app"]


@worker_init.connect
def pause_each_recompute(**_):
    from endpoints import snapshots as reports

    read_positions = reports.data_positions

    def data_positions_then_pause() -> dict[str, int]:
        positions = read_positions()
        Path(os.environ["EDC_PAUSE_DIR"], str(os.getpid())).write_text(
            reports.version_of(positions))
        time.sleep(float(os.environ["EDC_PAUSE_SECONDS"]))
        return positions

    reports.data_positions = data_positions_then_pause
