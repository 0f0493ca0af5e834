"""What a worker sees: proves broker, worker and database are wired together."""

from django.db import connection

from patients.models import Patient


def worker_health() -> dict:
    return {"database": connection.vendor, "database_name": connection.settings_dict["NAME"],
            "patients": Patient.objects.count()}
