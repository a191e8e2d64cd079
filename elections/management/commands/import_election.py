"""manage.py import_election FILE: create a draft election from OpenStack's configuration.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Team, TeamKind
from elections import actions
from elections.openstack import ConfigurationError, parse_configuration


class Command(BaseCommand):
    help = (
        "Create a draft election from an OpenStack election configuration.yaml: its calendar, "
        "qualifying window, a TC contest with tc_seats seats and one PTL contest per team."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Path to configuration.yaml")
        parser.add_argument("--name", default="", help="Election name (default from release)")
        parser.add_argument("--slug", default="", help="Election slug (default from release)")
        parser.add_argument(
            "--team",
            action="append",
            default=None,
            help="Slug of a team to hold a PTL contest for (repeat). Default: every official "
            "project team whose leadership type is PTL.",
        )
        parser.add_argument(
            "--manual",
            action="store_true",
            help="Do not let the scheduler move the election; officials move it by hand.",
        )

    def handle(self, *args: Any, **options: Any) -> None:

        try:
            calendar = parse_configuration(options["file"].read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from error
        except ConfigurationError as error:
            raise CommandError(str(error)) from error
        teams = Team.objects.none()
        if calendar.has_ptl:
            if options["team"]:
                teams = Team.objects.filter(slug__in=options["team"])
                missing = set(options["team"]) - set(teams.values_list("slug", flat=True))
                if missing:
                    raise CommandError(f"No such team: {', '.join(sorted(missing))}")
            else:
                teams = Team.objects.filter(
                    kind=TeamKind.OFFICIAL, listed=True, retired_on__isnull=True
                ).exclude(leadership_type__in=["distributed", "none"])
        try:
            election = actions.election_import_openstack(
                calendar=calendar,
                actor=None,
                name=options["name"],
                slug=options["slug"],
                teams=teams.order_by("name"),
                auto_advance=not options["manual"],
            )
        except actions.ElectionError as error:
            raise CommandError(str(error)) from error
        contests = election.contests.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Created draft election {election.name!r} ({election.slug}) with {contests} "
                f"contest{'s' if contests != 1 else ''}."
            )
        )
