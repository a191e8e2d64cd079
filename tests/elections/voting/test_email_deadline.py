"""The e-mail deadline: an address verified after an election's deadline makes no elector
of it, in the roll test, the cast (one statement on PostgreSQL) and the pages that say why."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailVerification
from elections import actions
from elections.models import Contest
from elections.selectors import user_is_elector
from elections.voting.actions import NotAnElector, ballot_cast
from elections.voting.models import VoterRecord
from elections.voting.ranking import Ranking, field_name, parse_ranking

from .conftest import PASSWORD, option_keys

pytestmark = pytest.mark.django_db


def _first(contest: Contest, name: str) -> Ranking:
    keys = option_keys(contest)
    return parse_ranking({field_name(keys[name]): ["1"]}, sorted(keys.values()))


def _confirm(user: Any, when: datetime.datetime | None = None) -> None:
    """allauth confirms the user's address (the signal its confirmation view sends); ``when``
    backdates the record the receiver wrote."""
    address = EmailAddress.objects.get(user=user)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    if when is not None:
        EmailVerification.objects.filter(email_address=address).update(verified_at=when)


def _with_deadline(contest: Contest, deadline: datetime.datetime) -> Contest:
    actions.election_update(election=contest.election, actor=None, email_deadline=deadline)
    return Contest.objects.select_related("election").get(pk=contest.pk)


def test_confirming_an_address_records_when_it_was_verified(make_user: Any) -> None:
    voter = make_user("late@example.org")
    before = timezone.now()
    _confirm(voter)
    record = EmailVerification.objects.get(email_address__user=voter)
    assert before <= record.verified_at <= timezone.now()
    # Confirming again does not make it later.
    _confirm(voter)
    assert (
        EmailVerification.objects.get(email_address__user=voter).verified_at == record.verified_at
    )


def test_an_address_verified_after_the_deadline_cannot_vote(
    make_poll: Any, make_user: Any, client: Client
) -> None:
    voter = make_user("late@example.org")
    contest = make_poll(electors=[voter])
    deadline = timezone.now() - datetime.timedelta(days=2)
    contest = _with_deadline(contest, deadline)
    _confirm(voter)  # verified now, during polling: after the deadline

    assert not user_is_elector(voter, contest)
    with pytest.raises(NotAnElector):
        ballot_cast(contest=contest, voter=voter, ranking=_first(contest, "Ada Lovelace"))
    assert not VoterRecord.objects.filter(contest=contest).exists()

    client.login(email=voter.email, password=PASSWORD)
    page = client.get(reverse("vote_index")).content.decode()
    assert "Not on the electorate" in page
    assert "late@example.org" in page and "verified too late to count" in page
    ballot = client.get(reverse("ballot", args=[contest.pk])).content.decode()
    assert "Verified after the e-mail deadline" in ballot
    eligibility = client.get(reverse("eligibility"), {"election": contest.election.slug})
    text = eligibility.content.decode()
    assert "Verified too late for" in text and "late@example.org" in text


def test_an_address_verified_before_the_deadline_votes(make_poll: Any, make_user: Any) -> None:
    voter = make_user("early@example.org")
    contest = make_poll(electors=[voter])
    deadline = timezone.now() - datetime.timedelta(days=2)
    contest = _with_deadline(contest, deadline)
    _confirm(voter, when=deadline - datetime.timedelta(hours=1))

    assert user_is_elector(voter, contest)
    ballot_cast(contest=contest, voter=voter, ranking=_first(contest, "Ada Lovelace"))
    assert VoterRecord.objects.filter(contest=contest, user=voter).exists()


def test_an_address_verified_before_times_were_recorded_counts_as_verified_long_ago(
    make_poll: Any, make_user: Any
) -> None:
    voter = make_user("old@example.org")  # verified, with no record of when
    contest = _with_deadline(make_poll(electors=[voter]), timezone.now() - datetime.timedelta(1))
    assert user_is_elector(voter, contest)
    ballot_cast(contest=contest, voter=voter, ranking=_first(contest, "Carol Shaw"))
    assert VoterRecord.objects.filter(contest=contest, user=voter).exists()


def test_without_a_deadline_a_late_verification_still_counts(
    make_poll: Any, make_user: Any
) -> None:
    voter = make_user("any@example.org")
    contest = make_poll(electors=[voter])
    _confirm(voter)
    assert contest.election.email_deadline is None
    ballot_cast(contest=contest, voter=voter, ranking=_first(contest, "Carol Shaw"))
    assert VoterRecord.objects.filter(contest=contest, user=voter).exists()
