from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.actions import ingest_run_execute, ingest_run_queue
from accounts.models import IngestRun


def _in_page_order(directory: Path) -> list[str]:
    """The files of a directory of saved pages, numbers in their names compared as numbers
    (``page-2`` before ``page-10``, ``S=100`` before ``S=1000``); hidden files left out."""

    def key(path: Path) -> list[Any]:
        return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]

    files = sorted(
        (p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")), key=key
    )
    if not files:
        raise CommandError(f"{directory}: no files in it.")
    return [str(path) for path in files]


class Command(BaseCommand):
    help = (
        "Ingest the JSON lines of `gerrit query --format=JSON --all-approvals status:merged`: "
        "owners and uploaders of merged changes, reviewers with Code-Review +2/-2 or "
        "Workflow +1. Also reads pages of Gerrit's REST /changes/ answer (with its )]}' "
        "prefix; o=DETAILED_ACCOUNTS and o=DETAILED_LABELS; every branch): give every page, "
        "in order, the last one without _more_changes, or the directory holding them. "
        "--owners-only keeps only the owner of each merged change, openstack/election's "
        "roll rule. All or nothing per file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE.json|DIR")
        parser.add_argument(
            "--owners-only",
            action="store_true",
            help="Count the owner of each merged change and nothing else (no uploaders, no "
            "reviews), as openstack/election's owners tool does.",
        )

    def handle(self, *args: Any, files: list[str], **options: Any) -> None:
        targets: list[str] = []
        for name in files:
            path = Path(name)
            targets.extend(_in_page_order(path) if path.is_dir() else [name])
        kind = IngestRun.Kind.GERRIT_OWNERS if options["owners_only"] else IngestRun.Kind.GERRIT
        run = ingest_run_queue(kind=kind, targets=targets, queue=False)
        run = ingest_run_execute(run_id=run.pk)
        if run.state == IngestRun.State.FAILED:
            raise CommandError(f"Nothing imported. {run.error}")
        self.stdout.write(
            self.style.SUCCESS(f"Stored {run.count} new contributions (run #{run.pk}).")
        )
