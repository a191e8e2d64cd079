from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import conf
from accounts.actions import ingest_run_execute, ingest_run_queue
from accounts.models import IngestRun


class Command(BaseCommand):
    help = (
        "Ingest commits from git: every non-merge commit reachable from HEAD, dated by its "
        "committer date, author and Co-authored-by trailers through .mailmap. Incremental."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base",
            default="",
            help="Directory or URL holding <namespace>/<name> (default: STACKVOTE_GIT_BASE, "
            f"now {conf.git_base()!r}).",
        )
        parser.add_argument(
            "repositories", nargs="*", metavar="REPO", help="e.g. openstack/nova (default: all)"
        )

    def handle(self, *args: Any, base: str, repositories: list[str], **options: Any) -> None:
        run = ingest_run_queue(
            kind=IngestRun.Kind.COMMITS, targets=repositories, base=base, queue=False
        )
        run = ingest_run_execute(run_id=run.pk)
        if run.state == IngestRun.State.FAILED:
            raise CommandError(
                f"{run.count} contributions stored, but some repositories failed "
                f"(each failed one left unchanged):\n{run.error}"
            )
        self.stdout.write(
            self.style.SUCCESS(f"Stored {run.count} new contributions (run #{run.pk}).")
        )
