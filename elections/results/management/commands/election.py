"""``manage.py election SLUG ...``: what officials click in the panel, for operators' scripts.

Each subcommand calls one action, exactly as the officials' panel does, under the name of the
official given with ``--actor`` (every change is audited under that name, and the same rules
apply: an official who stands in a contest cannot act on its result)::

    manage.py election 2027-1 status [--json]
    manage.py election 2027-1 phase nominations --reason "Calendar" --actor official@example.org
    manage.py election 2027-1 review 12 approve --actor official@example.org
    manage.py election 2027-1 review 13 reject --reason "Not on the roll" --actor ...
    manage.py election 2027-1 seal-and-count [--actor ...]
    manage.py election 2027-1 publish --actor official@example.org
    manage.py election 2027-1 unpublish --reason "Wrong roll" --actor official@example.org
    manage.py election 2027-1 notice results --actor official@example.org   # a missed notice
    manage.py election 2027-1 announce-to openstack-discuss@lists.openstack.org --actor ...
    manage.py election 2027-1 announce-to "" --actor ...                    # no list
    manage.py election 2027-1 announcement-retry results --actor ...        # a failed one

A refused request prints the reason on stderr and exits with status 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from elections import actions as election_actions
from elections.models import (
    Candidacy,
    Contest,
    ContestElectorate,
    ContestState,
    Election,
    Phase,
)
from elections.notices import ANNOUNCED, ELECTION_NOTICES
from elections.results import actions as result_actions
from elections.results.models import ResultState
from elections.results.selectors import SETTLED_WITHOUT_POLL, latest_result, published_result
from elections.results.status import election_status
from elections.voterlist import VoterListError, voter_list_parse
from elections.voting.actions import VotingError

REFUSALS = (election_actions.ElectionError, result_actions.ResultError, VotingError)


class Command(BaseCommand):
    help = "Run an election from the command line: status, phase, review, seal-and-count, publish."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the election's slug")
        parser.add_argument("--actor", default="", help="e-mail address of the acting official")
        commands = parser.add_subparsers(dest="subcommand", required=True)
        status = commands.add_parser("status", help="phase, next step, contests and turnout")
        status.add_argument("--json", action="store_true", help="print JSON")
        phase = commands.add_parser("phase", help="move the election to another phase")
        phase.add_argument("to", choices=list(Phase.values))
        phase.add_argument("--reason", required=True)
        phase.add_argument(
            "--force-empty-rolls",
            default="",
            metavar="REASON",
            help="open nominations even though some teams' repositories were never ingested "
            "(their rolls are empty), for this reason (audited)",
        )
        review = commands.add_parser("review", help="approve or reject a candidacy")
        review.add_argument("candidacy", type=int, help="the candidacy's id (see status)")
        review.add_argument("decision", choices=["approve", "reject"])
        review.add_argument("--reason", default="")
        commands.add_parser("seal-and-count", help="seal and count every closed contest now")
        commands.add_parser("publish", help="publish each contest's latest counted result")
        unpublish = commands.add_parser("unpublish", help="take the published results down")
        unpublish.add_argument("--reason", required=True)
        results_for = commands.add_parser(
            "results-for", help="who sees the published results: everyone or the electorate"
        )
        results_for.add_argument("audience", choices=["everyone", "electorate"])
        notice = commands.add_parser(
            "notice", help="send an election-wide notice now (one not sent, or missed)"
        )
        notice.add_argument("kind", choices=list(ELECTION_NOTICES))
        announce_to = commands.add_parser(
            "announce-to", help="set the announcement list's address (empty: none)"
        )
        announce_to.add_argument("address")
        announcement_retry = commands.add_parser(
            "announcement-retry", help="send a failed announcement to the list again"
        )
        announcement_retry.add_argument("kind", choices=list(ANNOUNCED))
        voters = commands.add_parser(
            "voters", help="set a contest's voter list: a CSV (address[,name]) or members.yaml"
        )
        voters.add_argument("contest", help="the contest's slug")
        voters.add_argument("file", help="CSV of address and optional name, or members.yaml")
        voters.add_argument(
            "--with-contributors",
            action="store_true",
            help="add the list to the contributors instead of replacing them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        election = Election.objects.filter(slug=options["slug"]).first()
        if election is None:
            raise CommandError(f"No election has the slug {options['slug']!r}.")
        subcommand = options["subcommand"]
        if subcommand == "status":
            self._status(election, as_json=options["json"])
            return
        actor = _actor(options["actor"], required=subcommand != "seal-and-count")
        try:
            if subcommand == "phase":
                election = election_actions.election_phase_move(
                    election=election,
                    to_phase=options["to"],
                    actor=actor,
                    reason=options["reason"],
                    force_empty_rolls=options["force_empty_rolls"],
                )
                self.stdout.write(f"{election.name} is now {election.get_phase_display()}.")
            elif subcommand == "review":
                self._review(election, options, actor)
            elif subcommand == "seal-and-count":
                self._seal_and_count(election, actor)
            elif subcommand == "publish":
                self._publish(election, actor)
            elif subcommand == "unpublish":
                self._unpublish(election, actor, options["reason"])
            elif subcommand == "voters":
                self._voters(election, actor, options)
            elif subcommand == "notice":
                count = election_actions.election_notice_queue(
                    election=election, kind=options["kind"], actor=actor
                )
                self.stdout.write(f"{options['kind']}: queued for {count} people.")
            elif subcommand == "announce-to":
                self._announce_to(election, actor, options["address"])
            elif subcommand == "announcement-retry":
                election_actions.announcement_retry(
                    election=election, kind=options["kind"], actor=actor
                )
                self.stdout.write(f"{options['kind']}: the announcement is queued again.")
            elif subcommand == "results-for":
                election = election_actions.election_update(
                    election=election,
                    actor=actor,
                    results_electorate_only=options["audience"] == "electorate",
                )
                audience = (
                    "its electorate and officials only"
                    if election.results_electorate_only
                    else "everyone"
                )
                self.stdout.write(f"The results of {election.name} are for {audience}.")
        except REFUSALS as refusal:
            raise CommandError(str(refusal)) from refusal

    def _announce_to(self, election: Election, actor: Any, address: str) -> None:
        election = election_actions.election_update(
            election=election, actor=actor, announcement_address=address.strip()
        )
        if election.announcement_address:
            self.stdout.write(f"{election.name} is announced to {election.announcement_address}.")
        else:
            self.stdout.write(f"{election.name} has no announcement list.")

    def _status(self, election: Election, *, as_json: bool) -> None:
        status = election_status(election)
        if as_json:
            self.stdout.write(json.dumps(status, indent=2, default=str))
            return
        self.stdout.write(f"{status['name']} ({status['slug']}): {status['phase_label']}")
        self.stdout.write(f"Next: {status['next_step']}")
        for contest in status["contests"]:
            team = f" [{contest['team']}]" if contest["team"] else ""
            turnout = contest["turnout"]
            of = f" of {turnout['electorate']}" if turnout["electorate"] is not None else ""
            polled = contest["state"] not in SETTLED_WITHOUT_POLL
            voted = f", {turnout['voted']}{of} voted" if polled else " (no poll)"
            self.stdout.write(f"  {contest['name']}{team}: {contest['state']}{voted}")
            for candidacy in contest["candidacies"]:
                self.stdout.write(
                    f"    #{candidacy['id']} {candidacy['name']} ({candidacy['state']})"
                )

    def _review(self, election: Election, options: dict[str, Any], actor: User) -> None:
        candidacy = Candidacy.objects.filter(
            pk=options["candidacy"], contest__election=election
        ).first()
        if candidacy is None:
            raise CommandError(f"{election.name} has no candidacy #{options['candidacy']}.")
        candidacy = election_actions.candidacy_review(
            candidacy=candidacy,
            reviewer=actor,
            approve=options["decision"] == "approve",
            reason=options["reason"],
        )
        self.stdout.write(f"{candidacy} is {candidacy.get_state_display().lower()}.")

    def _seal_and_count(self, election: Election, actor: User | None) -> None:
        closed = list(election.contests.filter(state=ContestState.CLOSED).order_by("pk"))
        if not closed:
            raise CommandError(f"{election.name} has no closed contest waiting to be counted.")
        for contest in closed:
            run = result_actions.contest_close_and_tally(contest=contest, actor=actor)
            if run is None:
                self.stdout.write(f"{contest.name}: seal and count queued.")
            else:
                self.stdout.write(f"{contest.name}: count queued.")

    def _publish(self, election: Election, actor: User) -> None:
        published = 0
        for contest in _polled(election):
            result = latest_result(contest)
            if result is None or result.state == ResultState.PUBLISHED:
                continue
            result_actions.result_publish(result=result, actor=actor)
            published += 1
            self.stdout.write(f"{contest.name}: published ({', '.join(result.winners)}).")
        if not published:
            raise CommandError(f"{election.name} has no counted, unpublished result.")

    def _unpublish(self, election: Election, actor: User, reason: str) -> None:
        taken_down = 0
        for contest in _polled(election):
            result = published_result(contest)
            if result is None:
                continue
            result_actions.result_unpublish(result=result, actor=actor, reason=reason)
            taken_down += 1
            self.stdout.write(f"{contest.name}: unpublished.")
        if not taken_down:
            raise CommandError(f"{election.name} has no published result.")

    def _voters(self, election: Election, actor: Any, options: dict[str, Any]) -> None:
        contest = election.contests.filter(slug=options["contest"]).first()
        if contest is None:
            raise CommandError(f"{election.name} has no contest {options['contest']!r}.")
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            listed = voter_list_parse(content, path.name)
        except VoterListError as error:
            raise CommandError(str(error)) from None
        electorate = (
            ContestElectorate.COMMITS_AND_LIST
            if options["with_contributors"]
            else ContestElectorate.LIST
        )
        count = election_actions.contest_voter_list_set(
            contest=contest, actor=actor, voters=listed, filename=path.name, electorate=electorate
        )
        self.stdout.write(f"{contest.name}: {count} voters listed ({path.name}).")


def _actor(email: str, *, required: bool) -> User | None:
    if not email:
        if required:
            raise CommandError("Name the acting official with --actor EMAIL.")
        return None
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"No account has the address {email!r}.")
    return user


def _polled(election: Election) -> list[Contest]:
    return list(election.contests.exclude(state__in=SETTLED_WITHOUT_POLL).order_by("pk"))
