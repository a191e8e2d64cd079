"""Who gets which e-mail, when; batching, retries and failures officials can see."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from elections import actions
from elections.actions.mail import _queue_electorate_mail as queue_electorate_mail
from elections.models import (
    ContestKind,
    Invitation,
    InvitationState,
    Notification,
    NotificationKind,
    NotificationState,
    Phase,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def polling_setup(
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    make_user: Any,
    official: Any,
    django_capture_on_commit_callbacks: Any,
) -> dict[str, Any]:
    """A Nova PTL poll between alice and bob, electors alice, bob, dave; carol's contributing
    address is unverified; erin contributed elsewhere."""
    nova = make_team("Nova", "nova")
    swift = make_team("Swift", "swift")
    for email in (
        "alice@example.org",
        "bob@example.org",
        "dave@example.org",
        "carol@old.example.net",
    ):
        contribute(nova, email)
    contribute(swift, "erin@example.org")
    people = {name: make_user(f"{name}@example.org") for name in ("alice", "bob", "dave", "erin")}
    people["carol"] = make_user("carol@example.org", unverified=("carol@old.example.net",))
    election = make_election()
    contest = make_contest(election, team=nova)
    election = open_nominations(election)
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("alice", "bob"):
            candidacy = actions.candidacy_submit(
                contest=contest, candidate=people[name], platform="p"
            )
            actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=True)
    mail.outbox.clear()
    return {"election": election, "contest": contest, "people": people}


def _open_polls(setup: dict[str, Any], official: Any, capture: Any) -> None:
    with capture(execute=True):
        actions.election_phase_move(
            election=setup["election"],
            to_phase=Phase.POLLING,
            actor=official,
            reason="polls open early",
        )


def test_review_decisions_are_mailed_to_the_candidate_after_commit(
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    make_user: Any,
    open_nominations: Any,
    official: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    nova = make_team()
    contribute(nova, "alice@example.org")
    alice = make_user("alice@example.org")
    election = make_election()
    contest = make_contest(election, team=nova)
    open_nominations(election)
    candidacy = actions.candidacy_submit(contest=contest, candidate=alice, platform="p")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.candidacy_review(
            candidacy=candidacy,
            reviewer=official,
            approve=False,
            reason="Please add your Gerrit address.",
        )
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "not accepted" in message.subject
    assert "Please add your Gerrit address." in message.body
    assert Notification.objects.get().state == NotificationState.SENT


def test_polling_open_invites_everyone_on_the_roll_and_nobody_else(
    polling_setup: dict[str, Any], official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _open_polls(polling_setup, official, django_capture_on_commit_callbacks)
    recipients = sorted(address for m in mail.outbox for address in m.to)
    # carol's contributing address is on the roll, verified or not (its invitation is how
    # she proves it); erin contributed to another team.
    assert recipients == [
        "alice@example.org",
        "bob@example.org",
        "carol@old.example.net",
        "dave@example.org",
    ]
    assert all("Vote now: Nova PTL" in m.subject for m in mail.outbox)
    assert all(polling_setup["contest"].get_absolute_url() in m.body for m in mail.outbox)


def test_acclaimed_contests_send_no_polling_mail(
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    make_user: Any,
    open_nominations: Any,
    official: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    nova = make_team()
    contribute(nova, "alice@example.org")
    make_user("alice@example.org")
    election = make_election(campaigning_days=0)
    make_contest(election, team=nova)
    election = open_nominations(election)
    with django_capture_on_commit_callbacks(execute=True):
        actions.election_phase_move(
            election=election, to_phase=Phase.POLLING, actor=official, reason="close"
        )
    assert mail.outbox == []


def test_the_reminder_goes_once_and_only_to_electors_who_have_not_voted(
    polling_setup: dict[str, Any], official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from elections.voting.actions import ballot_cast
    from elections.voting.ranking import Ranking

    _open_polls(polling_setup, official, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    contest = polling_setup["contest"]
    contest.refresh_from_db()
    keys = [choice.key for choice in contest.ballot_choices()]
    ballot_cast(
        contest=contest,
        voter=polling_setup["people"]["alice"],
        ranking=Ranking.from_ranks({keys[0]: 1, keys[1]: 2}, keys),
    )
    election = polling_setup["election"]
    election.refresh_from_db()
    due = election.polling_closes_at - datetime.timedelta(days=2)
    with time_machine.travel(due, tick=False), django_capture_on_commit_callbacks(execute=True):
        actions.elections_advance()
        actions.elections_advance()
    assert sorted(address for m in mail.outbox for address in m.to) == [
        "bob@example.org",
        "carol@old.example.net",
        "dave@example.org",
    ]
    assert all(m.subject.startswith("Reminder: vote in Nova PTL before") for m in mail.outbox)
    # Once sent, nothing in the mail tables (or the officials' panel) lists who had not voted.
    assert not Notification.objects.filter(kind=NotificationKind.POLLING_REMINDER).exists()
    assert not Invitation.objects.filter(kind="polling_reminder").exists()


def test_mail_is_sent_in_batches(
    polling_setup: dict[str, Any],
    official: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from elections import tasks

    settings.STACKVOTE_MAIL_BATCH_SIZE = 3
    batches: list[int] = []
    original = tasks.send_invitations.run

    def spy() -> int:
        batches.append(original())
        return batches[-1]

    monkeypatch.setattr(tasks.send_invitations, "run", spy)
    _open_polls(polling_setup, official, django_capture_on_commit_callbacks)
    assert batches == [3, 1]
    assert len(mail.outbox) == 4


class _BrokenBackend:
    """A mail server that accepts the connection and refuses every message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def open(self) -> bool:
        return True

    def close(self) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("550 relay denied")


def test_failures_are_retried_then_recorded_and_shown_to_officials(
    polling_setup: dict[str, Any],
    official: Any,
    settings: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.STACKVOTE_MAIL_MAX_RETRIES = 2
    settings.EMAIL_BACKEND = "tests.elections.test_notifications._BrokenBackend"
    _open_polls(polling_setup, official, django_capture_on_commit_callbacks)
    failed = Invitation.objects.filter(kind="polling_open")
    assert failed.count() == 4
    # Each retry waits its back-off; the scheduler's sweep queues the due ones again.
    moment = timezone.now()
    for _ in range(2):
        moment += datetime.timedelta(minutes=20)
        with time_machine.travel(moment, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                actions.invitations_requeue_stale()
    assert set(failed.values_list("state", flat=True)) == {InvitationState.FAILED}
    assert set(failed.values_list("attempts", flat=True)) == {3}  # first try + 2 retries
    assert "550 relay denied" in failed.first().last_error
    client.force_login(official)
    page = client.get(reverse("admin:elections_notification_changelist")).content.decode()
    assert "4 e-mails could not be sent" in page
    listed = client.get(reverse("admin:elections_invitation_changelist")).content.decode()
    assert "550 relay denied" in listed
    # Fixed: the official sends them again from the admin.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:elections_invitation_changelist"),
            {
                "action": "retry_selected",
                "_selected_action": [str(pk) for pk in failed.values_list("pk", flat=True)],
            },
        )
    assert set(failed.values_list("state", flat=True)) == {InvitationState.SENT}
    assert len(mail.outbox) == 4


def test_a_contest_without_roll_mails_nobody(make_election: Any, make_contest: Any) -> None:
    contest = make_contest(make_election(), kind=ContestKind.TC, seats=2)
    assert queue_electorate_mail(contest=contest, kind="polling_open") == 0


def test_the_scheduler_sends_mail_whose_queueing_was_lost(
    polling_setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Broker down at commit: the row stays pending and the next scheduler run sends it."""
    alice = polling_setup["people"]["alice"]
    lost = Notification.objects.create(
        kind="candidacy_approved",
        recipient=alice,
        contest=polling_setup["contest"],
        candidacy=polling_setup["contest"].candidacies.first(),
    )
    fresh = Notification.objects.create(
        kind="candidacy_approved",
        recipient=alice,
        contest=polling_setup["contest"],
        candidacy=polling_setup["contest"].candidacies.first(),
    )
    Notification.objects.filter(pk=lost.pk).update(
        created_at=lost.created_at - datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.elections_advance()
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.state == NotificationState.SENT and fresh.state == NotificationState.PENDING
    # (The same run sends the notice calendar's end of nominations, due since the polls were
    # opened by hand; only the lost notification is among the candidates' mail.)
    approvals = [m.to for m in mail.outbox if m.subject.startswith("Your candidacy")]
    assert approvals == [["alice@example.org"]]


def test_a_notification_is_never_sent_twice(polling_setup: dict[str, Any]) -> None:
    alice = polling_setup["people"]["alice"]
    notification = Notification.objects.create(
        kind="candidacy_approved",
        recipient=alice,
        contest=polling_setup["contest"],
        candidacy=polling_setup["contest"].candidacies.first(),
    )
    assert actions.notifications_send(notification_ids=[notification.pk]) == []
    assert actions.notifications_send(notification_ids=[notification.pk]) == []
    assert len(mail.outbox) == 1


def test_polling_mail_held_up_until_after_the_close_is_not_sent(
    polling_setup: dict[str, Any], official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Mail saying "polls are open" that could not go out before they closed is dropped,
    and shown to officials as failed, rather than sent late."""
    _open_polls(polling_setup, official, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    held = Invitation.objects.get(kind="polling_open", email="alice@example.org")
    Invitation.objects.filter(pk=held.pk).update(state=InvitationState.PENDING, sent_at=None)
    actions.election_phase_move(
        election=polling_setup["election"], to_phase=Phase.CLOSED, actor=official, reason="close"
    )
    assert actions.invitations_send() == actions.SendingRound(sent=0, failed=1)
    held.refresh_from_db()
    assert mail.outbox == []
    assert held.state == InvitationState.FAILED
    assert "polling had closed" in held.last_error
