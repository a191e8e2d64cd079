from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.actions import ingest_run_execute, ingest_run_queue
from accounts.models import IngestRun


class Command(BaseCommand):
    help = (
        "Ingest the JSON lines of `gerrit query --format=JSON --all-approvals status:merged`: "
        "owners and uploaders of merged changes, reviewers with Code-Review +2/-2 or "
        "Workflow +1. Also reads pages of Gerrit's REST /changes/ answer (with its )]}' "
        "prefix; o=DETAILED_ACCOUNTS and o=DETAILED_LABELS; every branch): give every page, "
        "in order, the last one without _more_changes. All or nothing per file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE.json")

    def handle(self, *args: Any, files: list[str], **options: Any) -> None:
        run = ingest_run_queue(kind=IngestRun.Kind.GERRIT, targets=files, queue=False)
        run = ingest_run_execute(run_id=run.pk)
        if run.state == IngestRun.State.FAILED:
            raise CommandError(f"Nothing imported. {run.error}")
        self.stdout.write(
            self.style.SUCCESS(f"Stored {run.count} new contributions (run #{run.pk}).")
        )
