"""manage.py import_results DIR [--configurations DIR]: load OpenStack's archive of published
results (doc/source/results/<release>/{ptl,tc}.yaml) so the site shows past cycles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from elections import actions
from elections.actions.results_of_record import (
    cycle_of_record_import,
    election_import_results_cycle,
    election_record_results,
)
from elections.models import Election
from elections.openstack import ConfigurationError, parse_configuration
from elections.openstack.results import ResultsFileError, ResultsOfRecord, parse_results


def _cycles(directory: Path) -> list[Path]:
    """The release directories under ``directory`` (or ``directory`` itself if it is one)."""
    if not directory.is_dir():
        raise CommandError(f"{directory}: not a directory.")
    if any((directory / name).is_file() for name in ("ptl.yaml", "tc.yaml")):
        return [directory]
    cycles = sorted(
        path
        for path in directory.iterdir()
        if path.is_dir() and any((path / n).is_file() for n in ("ptl.yaml", "tc.yaml"))
    )
    if not cycles:
        raise CommandError(f"{directory}: no <release>/ptl.yaml or tc.yaml in it.")
    return cycles


def _read_results(cycle: Path) -> list[tuple[str, ResultsOfRecord]]:
    records = []
    for kind in ("ptl", "tc"):
        path = cycle / f"{kind}.yaml"
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            records.append((str(path), parse_results(text, source=str(path), kind=kind)))
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        except ResultsFileError as error:
            raise CommandError(str(error)) from error
    return records


class Command(BaseCommand):
    help = (
        "Load OpenStack's published results: for each results/<release>/ the outcomes are "
        "recorded on the election of that release (imported with import_election), or, "
        "with --configurations, a past cycle is built from its configuration and results."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="results/ (or one results/<release>/)")
        parser.add_argument(
            "--configurations",
            type=Path,
            default=None,
            help="Directory of <release>-<type>.yaml: build cycles not yet imported.",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        configurations: Path | None = options["configurations"]
        for cycle in _cycles(options["directory"]):
            records = _read_results(cycle)
            release = records[0][1].release if records else cycle.name
            election = (
                Election.objects.filter(release=release)
                .order_by("-calendar_of_record", "-pk")
                .first()
            )
            try:
                if election is not None:
                    held = set(election.contests.values_list("kind", flat=True))
                    for source, record in records:
                        if record.kind not in held:
                            self.stdout.write(
                                f"  {source} skipped: {election.slug} holds no "
                                f"{record.kind.upper()} contest{self._keep(record, source)}"
                            )
                            continue
                        election_record_results(
                            election=election, results=record, actor=None, source=source
                        )
                    self.stdout.write(f"{release}: recorded on {election.slug}")
                    continue
                configuration = self._configuration(configurations, release)
                if configuration is None:
                    kept = "".join(self._keep(record, source) for source, record in records)
                    self.stdout.write(
                        f"{release}: skipped, no election of that release"
                        + (
                            f" and no {release}-*.yaml in {configurations}"
                            if configurations
                            else ""
                        )
                        + kept
                    )
                    continue
                try:
                    calendar = parse_configuration(configuration.read_text(encoding="utf-8"))
                except (ConfigurationError, OSError, UnicodeDecodeError) as error:
                    raise CommandError(f"{configuration}: {error}") from error
                held = {"ptl": calendar.has_ptl, "tc": calendar.has_tc}
                election = election_import_results_cycle(
                    calendar=calendar,
                    results=[record for _, record in records if held[record.kind]],
                    actor=None,
                    source=str(cycle),
                )
                self.stdout.write(f"{release}: imported as {election.slug}")
                for source, record in records:
                    if not held[record.kind]:
                        self.stdout.write(
                            f"  {source} skipped: {configuration.name} holds no "
                            f"{record.kind.upper()} election{self._keep(record, source)}"
                        )
            except actions.ElectionError as error:
                raise CommandError(str(error)) from error

    @staticmethod
    def _keep(record: ResultsOfRecord, source: str) -> str:
        """Keep a PTL file no election can hold as the archive's record of each team's
        outcome and turnout (the teams' history pages show it); what to add to the line."""
        if record.kind != "ptl":
            return ""
        kept = cycle_of_record_import(results=record, actor=None, source=source)
        return f"; the outcomes of its {kept} teams kept as the archive's record"

    @staticmethod
    def _configuration(directory: Path | None, release: str) -> Path | None:
        if directory is None:
            return None
        found = sorted(directory.glob(f"{release}-*.yaml"))
        return found[0] if found else None
