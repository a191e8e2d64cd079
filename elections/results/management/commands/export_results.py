"""manage.py export_results SLUG --format openstack --out DIR [--governance DIR]: an election's
outcome in the files OpenStack publishes (results/<release>/ptl.yaml and tc.yaml), the
announcements, and the patch to openstack/governance (projects.yaml PTLs, members.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from elections.models import Election
from elections.results.openstack_export import (
    ExportedFile,
    ExportError,
    export_openstack,
    write_files,
)
from elections.results.openstack_governance import (
    PATCH_NAME,
    default_governance_directory,
    governance_patch,
)


class Command(BaseCommand):
    help = (
        "Write an election's outcome in OpenStack's published shape: ptl.yaml and tc.yaml "
        "(as openstack/election doc/source/results/<release>/) and announcement-ptl.txt, "
        "announcement-tc.txt, and governance.patch (projects.yaml PTLs and members.yaml, "
        "for git apply in an openstack/governance checkout). Polls counted here appear once "
        "their results are published."
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
        parser.add_argument(
            "--governance",
            type=Path,
            default=None,
            help="A checkout of openstack/governance (or a directory with projects.yaml and "
            "members.yaml) to write governance.patch against (default: data/openstack/)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        election = Election.objects.filter(slug=options["slug"]).first()
        if election is None:
            raise CommandError(f"No election {options['slug']!r}.")
        try:
            files = export_openstack(election, base_url=options["base_url"])
            governance = options["governance"] or default_governance_directory()
            patch = governance_patch(election, governance=governance)
        except ExportError as error:
            raise CommandError(str(error)) from error
        if patch.text:
            files.append(ExportedFile(PATCH_NAME, patch.text))
        try:
            stale = options["out"] / PATCH_NAME
            if not patch.text and stale.is_file():
                stale.unlink()  # an earlier export's patch no longer says what changes
            written = write_files(files, options["out"])
        except OSError as error:
            raise CommandError(f"Cannot write into {options['out']}: {error}") from error
        for path in written:
            self.stdout.write(f"wrote {path}")
        if not patch.text:
            self.stdout.write(f"governance: nothing to change in {governance}")
        for note in patch.notes:
            self.stdout.write(f"  governance: {note}")
