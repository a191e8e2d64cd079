"""Exception requests: a person not on a roll asks, officials approve or refuse with a reason
(audited, mailed), and an approved person votes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from elections import actions
from elections.models import ContestVoter, ExceptionRequest, ExceptionRequestState, Phase
from elections.selectors import user_is_elector

pytestmark = pytest.mark.django_db


@pytest.fixture
def nominations(
    make_team: Any,
    contribute: Any,
    make_user: Any,
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    official: Any,
) -> dict[str, Any]:
    nova = make_team()
    for name in ("alice", "bob"):
        contribute(nova, f"{name}@example.org")
    people = {name: make_user(f"{name}@example.org") for name in ("alice", "bob")}
    people["writer"] = make_user("writer@example.org", full_name="Tess Writer")
    election = make_election()
    contest = make_contest(election, team=nova)
    election = open_nominations(election)
    for name in ("alice", "bob"):
        candidacy = actions.candidacy_submit(contest=contest, candidate=people[name], platform="p")
        actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=True)
    mail.outbox.clear()
    return {"election": election, "contest": contest, "people": people}


def test_a_request_approved_puts_the_person_on_the_roll_and_they_vote(
    nominations: dict[str, Any],
    official: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    election, contest = nominations["election"], nominations["contest"]
    writer = nominations["people"]["writer"]
    client.force_login(writer)
    url = reverse("exception_request", args=[election.slug, contest.slug])
    assert "Ask to vote in Nova PTL" in client.get(url).content.decode()
    client.post(url, {"email": "writer@example.org", "reason": "I wrote Nova's install guide."})
    request = ExceptionRequest.objects.get()
    assert request.state == ExceptionRequestState.PENDING
    # Only the requester's verified addresses.
    again = client.post(url, {"email": "alice@example.org", "reason": "me too"})
    assert again.status_code == 200 and ExceptionRequest.objects.count() == 1

    officials = Client()
    officials.force_login(official)
    board = officials.get(reverse("officials_dashboard", args=[election.slug])).content.decode()
    assert "I wrote Nova&#x27;s install guide." in board
    decide = reverse("officials_exception_decide", args=[election.slug, request.pk])
    with django_capture_on_commit_callbacks(execute=True):
        officials.post(decide, {"decision": "approve", "reason": "Docs count."})
    request.refresh_from_db()
    assert request.state == ExceptionRequestState.APPROVED and request.decided_by == official
    assert ContestVoter.objects.filter(contest=contest, email="writer@example.org").exists()
    assert AuditEntry.objects.filter(action="exception.decide").count() == 1
    (message,) = [m for m in mail.outbox if m.to == ["writer@example.org"]]
    assert message.subject == f"You may vote in Nova PTL ({election.name})"
    assert "Docs count." in message.body
    with django_capture_on_commit_callbacks(execute=True):
        election = actions.election_phase_move(
            election=election, to_phase=Phase.POLLING, actor=official, reason="open"
        )
    contest.refresh_from_db()
    assert user_is_elector(writer, contest)
    assert client.get(reverse("ballot", args=[contest.pk])).status_code == 200


def test_a_refusal_needs_a_reason_and_is_mailed(
    nominations: dict[str, Any], official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    writer = nominations["people"]["writer"]
    request = actions.exception_request_submit(
        contest=nominations["contest"], requester=writer, email=writer.email, reason="Docs."
    )
    with pytest.raises(actions.ElectionError, match="needs a reason"):
        actions.exception_request_decide(
            exception_request=request, actor=official, approve=False, reason=" "
        )
    with django_capture_on_commit_callbacks(execute=True):
        actions.exception_request_decide(
            exception_request=request, actor=official, approve=False, reason="Not this cycle."
        )
    (message,) = mail.outbox
    assert "was refused" in message.subject and "Not this cycle." in message.body
    assert not ContestVoter.objects.exists()
    with pytest.raises(actions.ElectionError, match="decided already"):
        actions.exception_request_decide(
            exception_request=request, actor=official, approve=True, reason=""
        )


def test_a_candidate_cannot_decide_and_nothing_is_asked_once_the_roll_is_frozen(
    nominations: dict[str, Any], official: Any
) -> None:
    alice, writer = nominations["people"]["alice"], nominations["people"]["writer"]
    request = actions.exception_request_submit(
        contest=nominations["contest"], requester=writer, email=writer.email, reason="Docs."
    )
    with pytest.raises(actions.ElectionError, match="Only the officials"):
        actions.exception_request_decide(
            exception_request=request, actor=alice, approve=True, reason=""
        )
    actions.election_phase_move(
        election=nominations["election"], to_phase=Phase.POLLING, actor=official, reason="open"
    )
    with pytest.raises(actions.ElectionError, match="electorate is frozen"):
        actions.exception_request_decide(
            exception_request=request, actor=official, approve=True, reason=""
        )
