from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import conf
from accounts.actions import roll_freeze
from accounts.membership import NoMembershipList
from accounts.models import Team
from accounts.selectors import roll_compute, team_find, team_repositories_never_ingested


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD, a UTC day)") from None


class Command(BaseCommand):
    help = (
        "Print the roll of one team (--team) or of all official repositories (--all) for "
        "the window [--start, --end) in UTC days: addresses one per line on stdout (the "
        "fingerprint is their SHA-256), or --json. --freeze also stores it, immutable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--team", metavar="NAME", help="team name as in the governance files")
        scope.add_argument("--all", action="store_true", help="every official repository")
        parser.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="inclusive")
        parser.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="exclusive")
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument(
            "--min-contributions",
            type=int,
            default=None,
            metavar="N",
            help=f"contributions needed (default {conf.min_contributions()})",
        )
        parser.add_argument("--freeze", action="store_true", help="store an immutable snapshot")
        parser.add_argument(
            "--members-only",
            action="store_true",
            help="Foundation individual members only (import_members), as an election "
            "requiring membership freezes it",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="give the roll even if none of the team's repositories was ever ingested",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Long because the checks of the options, the roll and its printing in two formats
        are one pass; split up, each part would take the whole of the options."""
        start, end = _day(options["start"]), _day(options["end"])
        if not start < end:
            raise CommandError(f"--start {start} must be before --end {end}")
        minimum = options["min_contributions"] or conf.min_contributions()
        if minimum < 1:
            raise CommandError("--min-contributions must be at least 1")
        team = None
        if options["team"] is not None:
            try:
                team = team_find(options["team"])
            except Team.DoesNotExist as error:
                raise CommandError(str(error)) from None
            total, never = team_repositories_never_ingested(team)
            if len(never) == total and not options["force"]:
                what = (
                    f"none of its {total} repositories ({', '.join(never[:5])}"
                    f"{', ...' if total > 5 else ''}) was ever ingested"
                    if total
                    else "it owns no repository in the governance data"
                )
                raise CommandError(
                    f"The roll of {team.name} would be empty because {what}: ingest them "
                    "first (ingest_commits, ingest_gerrit), or give --force."
                )
        members_only = options["members_only"]
        try:
            if options["freeze"]:
                roll = roll_freeze(
                    team=team,
                    start=start,
                    end=end,
                    min_contributions=minimum,
                    members_only=members_only,
                )
                scope, fingerprint = roll.scope, roll.fingerprint
                # Sorted by code point, as the fingerprint is (database collations differ).
                emails = sorted(roll.entries.values_list("email", flat=True))
                self.stderr.write(f"Frozen as roll #{roll.pk}.")
            else:
                computed = roll_compute(
                    team=team,
                    start=start,
                    end=end,
                    min_contributions=minimum,
                    members_only=members_only,
                )
                scope, fingerprint = computed.scope, computed.fingerprint
                emails = list(computed.emails)
        except NoMembershipList as error:
            raise CommandError(str(error)) from None
        if options["as_json"]:
            document = {
                "scope": scope,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "emails": emails,
                "fingerprint": fingerprint,
            }
            self.stdout.write(json.dumps(document, indent=2))
            return
        for email in emails:
            self.stdout.write(email)
        self.stderr.write(
            f"{len(emails)} voters for {scope}, {start}..{end} (end exclusive); "
            f"sha256 {fingerprint}"
        )
