"""Rolls: window edges, identities, extra-ACs, exclusions, freezing and fingerprints."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from io import StringIO
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command

from accounts.actions import (
    commits_ingest,
    roll_freeze,
    voter_add,
    voter_exclude,
)
from accounts.models import FrozenRollError, Roll, RollEntry, Team
from accounts.selectors import roll_compute, roll_verify, user_on_roll

pytestmark = pytest.mark.django_db

START, END = date(2025, 9, 12), date(2026, 8, 19)


@pytest.fixture
def nova(governance: None, make_repo: Any) -> Any:
    """openstack/nova (team nova) with commits around the window's edges."""
    repo = make_repo("openstack/nova")
    repo.commit(author=("Too Early", "early@x.org"), committed="2025-09-11T23:59:59+00:00")
    # Start inclusive: 00:00 UTC, written here with another offset.
    repo.commit(author=("First", "first@x.org"), committed="2025-09-12T02:00:00+02:00")
    repo.commit(author=("Last", "last@x.org"), committed="2026-08-18T23:59:59+00:00")
    # End exclusive.
    repo.commit(author=("Too Late", "late@x.org"), committed="2026-08-19T00:00:00+00:00")
    repo.commit(
        author=("Jane Doe", "jane@example.org"),
        co_authors=(("Jane Work", "jdoe@work.example"),),
        committed="2026-01-10T00:00:00+00:00",
    )
    repo.commit(author=("Jane Doe", "jdoe@work.example"), committed="2026-02-10T00:00:00+00:00")
    commits_ingest(repositories=["openstack/nova"])
    return repo


def _team(name: str) -> Team:
    return Team.objects.get(name=name)


def test_window_start_is_inclusive_and_end_exclusive(nova: Any) -> None:
    roll = roll_compute(team=_team("nova"), start=START, end=END)
    assert roll.emails == (
        "first@x.org",
        "jane@example.org",
        "jdoe@work.example",
        "last@x.org",
    )


def test_team_contributions_count_for_the_all_repositories_roll(nova: Any) -> None:
    roll = roll_compute(team=None, start=START, end=END)
    assert set(roll_compute(team=_team("nova"), start=START, end=END).emails) <= set(roll.emails)
    assert roll.scope == "all"


def test_other_teams_repositories_do_not_count_for_a_team(nova: Any) -> None:
    assert roll_compute(team=_team("glance"), start=START, end=END).emails == ()


def test_min_contributions(nova: Any) -> None:
    roll = roll_compute(team=_team("nova"), start=START, end=END, min_contributions=2)
    assert roll.emails == ("jdoe@work.example",)


def test_verified_addresses_of_one_account_are_one_voter(nova: Any, make_user: Any) -> None:
    jane = make_user("jane@example.org", verified=("jane@example.org", "jdoe@work.example"))
    roll = roll_compute(team=_team("nova"), start=START, end=END, min_contributions=3)
    (voter,) = roll.voters
    assert (voter.email, voter.contributions) == ("jane@example.org", 3)
    assert voter.addresses == ("jane@example.org", "jdoe@work.example")
    frozen = roll_freeze(team=_team("nova"), start=START, end=END)
    assert user_on_roll(jane, frozen)


def test_unverified_addresses_are_ignored(nova: Any, make_user: Any) -> None:
    jane = make_user(
        "jane@example.org", verified=("jane@example.org",), unverified=("jdoe@work.example",)
    )
    roll = roll_compute(team=_team("nova"), start=START, end=END)
    assert "jdoe@work.example" in roll.emails  # its own voter, not Jane's
    assert roll_compute(team=_team("nova"), start=START, end=END, min_contributions=2).emails == (
        "jdoe@work.example",
    )
    frozen = roll_freeze(team=_team("nova"), start=START, end=END, min_contributions=2)
    assert not user_on_roll(jane, frozen)
    # Someone else who merely lists the address, unverified, gets nothing either.
    mallory = make_user("mallory@example.org", unverified=("jdoe@work.example",))
    assert not user_on_roll(mallory, frozen)
    EmailAddress.objects.filter(email="jdoe@work.example", user=jane).update(verified=True)
    assert user_on_roll(jane, frozen)
    assert not user_on_roll(AnonymousUser(), frozen)


def test_bots_are_never_on_a_roll(nova: Any, settings: Any) -> None:
    settings.STACKVOTE_BOT_EMAILS = ["first@x.org"]
    assert "first@x.org" not in roll_compute(team=_team("nova"), start=START, end=END).emails


def test_extra_acs_count_until_their_expiry_month(governance: None) -> None:
    committee = _team("Technical Committee")
    before_august = roll_compute(team=committee, start=START, end=date(2026, 7, 31))
    assert before_august.emails == ("amy@demarco.com", "ianyrchoi@gmail.com", "skaplons@redhat.com")
    # The real window ends 2026-08-19, not before 2026-08-01: "August 2026" has expired.
    assert roll_compute(team=committee, start=START, end=END).emails == ()
    i18n = roll_compute(team=_team("i18n"), start=date(2025, 1, 1), end=date(2025, 12, 1))
    assert "andi@gowling.com" in i18n.emails  # February 2026
    assert "aa9050@gmail.com" not in i18n.emails  # August 2025
    everyone = roll_compute(team=None, start=START, end=date(2026, 7, 31))
    assert "skaplons@redhat.com" in everyone.emails


def test_hand_added_voters_and_exclusions(nova: Any, official: Any) -> None:
    team = _team("nova")
    voter_add(
        email=" Docs@Example.org ",
        name="Docs Writer",
        reason="docs sprint",
        team=team,
        expires_on=date(2026, 12, 1),
        created_by=official,
    )
    voter_add(email="old@example.org", reason="expired", team=team, expires_on=date(2026, 8, 1))
    voter_add(email="tc-only@example.org", reason="TC only")
    voter_exclude(email="first@x.org", reason="not a member", team=team)
    voter_exclude(email="last@x.org", reason="asked to be removed")
    team_roll = roll_compute(team=team, start=START, end=END)
    assert "docs@example.org" in team_roll.emails
    assert "old@example.org" not in team_roll.emails
    assert "tc-only@example.org" not in team_roll.emails
    assert {"first@x.org", "last@x.org"}.isdisjoint(team_roll.emails)
    everyone = roll_compute(team=None, start=START, end=END)
    assert {"docs@example.org", "tc-only@example.org", "first@x.org"} <= set(everyone.emails)
    assert "last@x.org" not in everyone.emails


def test_retired_repositories_count_while_retired_inside_the_window(
    governance: None, make_repo: Any
) -> None:
    make_repo("openstack/cinderlib").commit(author=("Lib", "lib@x.org"))
    make_repo("openstack/astara").commit(author=("Old", "old@x.org"))
    commits_ingest(repositories=["openstack/cinderlib", "openstack/astara"])
    # cinderlib retired 2026-06-18, inside the window; astara retired in 2016.
    assert roll_compute(team=_team("cinder"), start=START, end=END).emails == ("lib@x.org",)
    everyone = roll_compute(team=None, start=START, end=END).emails
    assert "lib@x.org" in everyone and "old@x.org" not in everyone
    assert roll_compute(team=_team("cinder"), start=date(2026, 6, 19), end=END).emails == ()


def test_a_frozen_roll_does_not_change_when_new_commits_arrive(nova: Any) -> None:
    roll = roll_freeze(team=_team("nova"), start=START, end=END)
    emails = sorted(roll.entries.values_list("email", flat=True))
    fingerprint = roll.fingerprint
    nova.commit(author=("Newcomer", "new@x.org"), committed="2026-03-01T00:00:00+00:00")
    commits_ingest(repositories=["openstack/nova"])
    assert "new@x.org" in roll_compute(team=_team("nova"), start=START, end=END).emails
    roll.refresh_from_db()
    assert sorted(roll.entries.values_list("email", flat=True)) == emails
    assert roll.fingerprint == fingerprint
    assert roll_verify(roll)


def test_a_frozen_roll_cannot_be_changed_or_deleted(nova: Any) -> None:
    roll = roll_freeze(team=_team("nova"), start=START, end=END)
    roll.size = 0
    with pytest.raises(FrozenRollError):
        roll.save()
    with pytest.raises(FrozenRollError):
        Roll.objects.filter(pk=roll.pk).update(size=0)
    with pytest.raises(FrozenRollError):
        roll.delete()
    with pytest.raises(FrozenRollError):
        RollEntry.objects.filter(roll=roll).delete()
    entry = roll.entries.first()
    entry.email = "someone@else.org"
    with pytest.raises(FrozenRollError):
        entry.save()


def test_fingerprint_is_stable_and_is_the_sha256_of_the_printed_roll(nova: Any) -> None:
    first = roll_freeze(team=_team("nova"), start=START, end=END)
    second = roll_freeze(team=_team("nova"), start=START, end=END)
    assert first.fingerprint == second.fingerprint
    out = StringIO()
    call_command(
        "roll",
        "--team",
        "nova",
        "--start",
        "2025-09-12",
        "--end",
        "2026-08-19",
        stdout=out,
        stderr=StringIO(),
    )
    assert hashlib.sha256(out.getvalue().encode()).hexdigest() == first.fingerprint


def test_roll_command_json_shape(nova: Any) -> None:
    out = StringIO()
    call_command(
        "roll", "--all", "--start", "2025-09-12", "--end", "2026-08-19", "--json", stdout=out
    )
    document = json.loads(out.getvalue())
    assert list(document) == ["scope", "start", "end", "emails", "fingerprint"]
    assert document["scope"] == "all"
    assert (document["start"], document["end"]) == ("2025-09-12", "2026-08-19")
    assert document["emails"] == sorted(document["emails"])
    assert "jane@example.org" in document["emails"]
    expected = hashlib.sha256("".join(e + "\n" for e in document["emails"]).encode()).hexdigest()
    assert document["fingerprint"] == expected


def test_roll_command_freezes_on_request(nova: Any) -> None:
    call_command(
        "roll",
        "--team",
        "nova",
        "--start",
        "2025-09-12",
        "--end",
        "2026-08-19",
        "--freeze",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    roll = Roll.objects.get()
    assert (roll.scope, roll.start) == ("nova", datetime(2025, 9, 12, tzinfo=UTC))


def test_roll_command_errors_are_readable(governance: None) -> None:
    with pytest.raises(CommandError, match="Unknown team 'novva'. Did you mean: nova"):
        call_command("roll", "--team", "novva", "--start", "2025-09-12", "--end", "2026-08-19")
    with pytest.raises(CommandError, match="is not a date"):
        call_command("roll", "--all", "--start", "12/09/2025", "--end", "2026-08-19")
    with pytest.raises(CommandError, match="must be before"):
        call_command("roll", "--all", "--start", "2026-08-19", "--end", "2025-09-12")


def test_a_team_roll_with_no_ingested_repository_is_refused_unless_forced(
    nova: Any,
) -> None:
    """Swift's repositories were never ingested: its roll would be empty for that reason
    alone, so the command says so instead of printing nobody."""
    with pytest.raises(
        CommandError, match="The roll of swift would be empty because none of its 5 repositories"
    ):
        call_command("roll", "--team", "swift", "--start", "2025-09-12", "--end", "2026-08-19")
    err = StringIO()
    call_command(
        "roll",
        "--team",
        "swift",
        "--start",
        "2025-09-12",
        "--end",
        "2026-08-19",
        "--force",
        stdout=StringIO(),
        stderr=err,
    )
    assert err.getvalue().startswith("0 voters for swift")


def test_computing_a_roll_leaves_the_garbage_collector_running(nova: Any) -> None:
    import gc

    roll_compute(team=_team("nova"), start=START, end=END)
    assert gc.isenabled()
