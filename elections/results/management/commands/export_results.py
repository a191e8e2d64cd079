"""manage.py export_results SLUG --format openstack --out DIR: an election's outcome in the
files OpenStack publishes (results/<release>/ptl.yaml and tc.yaml) and the announcements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from elections.models import Election
from elections.results.openstack_export import ExportError, export_openstack, write_files


class Command(BaseCommand):
    help = (
        "Write an election's outcome in OpenStack's published shape: ptl.yaml and tc.yaml "
        "(as openstack/election doc/source/results/<release>/) and announcement-ptl.txt, "
        "announcement-tc.txt. Polls counted here appear once their results are published."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The election's slug")
        parser.add_argument("--format", choices=["openstack"], default="openstack")
        parser.add_argument("--out", type=Path, required=True, help="Directory to write into")
        parser.add_argument(
            "--base-url",
            default="",
            help="Site address for links to results counted here (default STACKVOTE_SITE_URL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        election = Election.objects.filter(slug=options["slug"]).first()
        if election is None:
            raise CommandError(f"No election {options['slug']!r}.")
        try:
            files = export_openstack(election, base_url=options["base_url"])
        except ExportError as error:
            raise CommandError(str(error)) from error
        try:
            written = write_files(files, options["out"])
        except OSError as error:
            raise CommandError(f"Cannot write into {options['out']}: {error}") from error
        for path in written:
            self.stdout.write(f"wrote {path}")
