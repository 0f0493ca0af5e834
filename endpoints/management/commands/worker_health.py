from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from endpoints.tasks import worker_health_task


class Command(BaseCommand):
    help = "Send a task through the broker to a worker and print what the worker sees."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, timeout, **options):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write("CELERY_BROKER_URL is not set: tasks run in-process.")
        try:
            result = worker_health_task.delay().get(timeout=timeout)
        except Exception as exc:  # the broker's and the backend's errors are many; report any
            raise CommandError(f"no answer from a worker within {timeout:g} s: {exc}") from exc
        self.stdout.write(f"worker answered: {result}")
