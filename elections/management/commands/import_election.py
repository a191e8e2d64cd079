"""manage.py import_election CONFIG [--candidates DIR] [--exceptions FILE] [--members FILE]:
create an election from OpenStack's configuration.yaml, or replay a past cycle from its files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from accounts.models import Team
from accounts.selectors import ptl_teams
from elections import actions
from elections.openstack import ConfigurationError, parse_configuration
from elections.openstack.candidates import (
    CandidatesError,
    parse_exceptions,
    parse_members,
    read_candidates,
)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"Cannot read the {what} {path}: {error}") from error


class Command(BaseCommand):
    help = (
        "Create a draft election from an OpenStack election configuration.yaml: its calendar, "
        "qualifying window, a TC contest with tc_seats seats and one PTL contest per team. "
        "With --candidates, replay the cycle: every file of candidates/<release>/ is an "
        "approved candidacy of record, the election is placed at the phase its dates say, and "
        "contests whose nominations have closed are settled as the charter says."
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
            "project team whose leadership type is PTL (with --candidates: every team "
            "directory).",
        )
        parser.add_argument(
            "--manual",
            action="store_true",
            help="Do not let the scheduler move the election; officials move it by hand.",
        )
        parser.add_argument(
            "--candidates",
            type=Path,
            default=None,
            help="candidates/<release>/ of openstack/election: replay the cycle from it.",
        )
        parser.add_argument(
            "--exceptions",
            type=Path,
            default=None,
            help="openstack/election exceptions.txt: names of candidates, by file or address.",
        )
        parser.add_argument(
            "--members",
            type=Path,
            default=None,
            help="openstack/governance members.yaml: the sitting TC (names and IRC nicks of "
            "candidates; the affiliations of those whose seats are not up count against the "
            "diversity limit).",
        )

        parser.add_argument(
            "--announce-to",
            default="",
            metavar="ADDRESS",
            help="The announcement list (e.g. openstack-discuss@lists.openstack.org): each "
            "notice of the calendar also goes to it once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["announce_to"]:
            # Refused before anything is created: never half an import.
            try:
                validate_email(options["announce_to"])
            except ValidationError as error:
                raise CommandError(
                    f"--announce-to {options['announce_to']!r}: not an e-mail address."
                ) from error
        try:
            calendar = parse_configuration(_read(options["file"], "configuration"))
        except ConfigurationError as error:
            raise CommandError(f"{options['file']}: {error}") from error
        if options["candidates"] is not None:
            election = self._replay(calendar, options)
        else:
            if options["exceptions"]:
                raise CommandError("--exceptions names candidates: give --candidates.")
            election = self._import(calendar, options)
        if options["announce_to"]:
            try:
                election = actions.election_update(
                    election=election, actor=None, announcement_address=options["announce_to"]
                )
            except actions.ElectionError as error:
                raise CommandError(f"--announce-to: {error}") from error
        contests = election.contests.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {election.get_phase_display().lower()} election {election.name!r} "
                f"({election.slug}) with {contests} contest{'s' if contests != 1 else ''}."
            )
        )
        tc = election.contests.filter(kind="tc").first()
        if tc is not None and tc.seated_affiliations:
            held = ", ".join(f"{label}: {n}" for label, n in sorted(tc.seated_affiliations.items()))
            self.stdout.write(f"  TC seats not up, by affiliation: {held}")
        if tc is not None and tc.seated_basis:
            self.stdout.write(f"  {tc.seated_basis}")
        settled: dict[str, int] = {}
        for contest in election.contests.all():
            settled[contest.get_state_display()] = settled.get(contest.get_state_display(), 0) + 1
        if election.phase != "draft":
            for state, count in sorted(settled.items()):
                self.stdout.write(f"  {count} {state.lower()}")

    def _import(self, calendar: Any, options: dict[str, Any]) -> Any:
        teams = Team.objects.none()
        if calendar.has_ptl:
            if options["team"]:
                teams = Team.objects.filter(slug__in=options["team"])
                missing = set(options["team"]) - set(teams.values_list("slug", flat=True))
                if missing:
                    raise CommandError(f"No such team: {', '.join(sorted(missing))}")
            else:
                teams = ptl_teams()
        members = _members(options)
        try:
            return actions.election_import_openstack(
                calendar=calendar,
                actor=None,
                name=options["name"],
                slug=options["slug"],
                teams=teams.order_by("name"),
                auto_advance=not options["manual"],
                sitting=members,
            )
        except actions.ElectionError as error:
            raise CommandError(str(error)) from error

    def _replay(self, calendar: Any, options: dict[str, Any]) -> Any:
        if options["team"]:
            raise CommandError(
                "--team and --candidates: the candidates' directories are the teams."
            )
        try:
            candidates = read_candidates(
                options["candidates"],
                release=calendar.release,
                election_type=calendar.election_type,
            )
            names = (
                parse_exceptions(
                    _read(options["exceptions"], "exceptions"), source=str(options["exceptions"])
                )
                if options["exceptions"]
                else {}
            )
        except CandidatesError as error:
            raise CommandError(str(error)) from error
        if candidates.set_aside:
            reads = "TC/ only" if calendar.election_type == "tc" else "no TC/"
            self.stdout.write(
                f"  Not read (a {calendar.election_type.upper()} election reads {reads}): "
                f"{', '.join(candidates.set_aside)}"
            )
        members = _members(options)
        try:
            return actions.election_replay_openstack(
                calendar=calendar,
                candidates=candidates,
                actor=None,
                names=names,
                members=members,
                name=options["name"],
                slug=options["slug"],
            )
        except actions.ElectionError as error:
            raise CommandError(str(error)) from error


def _members(options: dict[str, Any]) -> Any:
    """The sitting members of ``--members`` (members.yaml), or none without it."""
    if not options["members"]:
        return ()
    try:
        return parse_members(_read(options["members"], "members"), source=str(options["members"]))
    except CandidatesError as error:
        raise CommandError(str(error)) from error
