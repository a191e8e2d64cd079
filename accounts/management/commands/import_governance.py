from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.actions import EligibilityError, ingest_run_execute, ingest_run_queue
from accounts.models import IngestRun


class Command(BaseCommand):
    help = (
        "Import OpenStack governance files, unchanged: projects.yaml, "
        "technical-committee-repos.yaml, sigs-repos.yaml, legacy.yaml. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, files: list[str], **options: Any) -> None:
        try:
            run = ingest_run_queue(kind=IngestRun.Kind.GOVERNANCE, targets=files, queue=False)
        except EligibilityError as error:
            raise CommandError(str(error)) from None
        run = ingest_run_execute(run_id=run.pk)
        if run.state == IngestRun.State.FAILED:
            raise CommandError(f"Nothing imported. {run.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(files)} file(s): {run.count} team repositories (run #{run.pk})."
            )
        )
