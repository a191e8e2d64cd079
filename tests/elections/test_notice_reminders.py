"""The polling notices per person, through a real SMTP server on loopback: the invitation's
subject names the person's polls; one reminder per person however many rolls they are on,
naming the polls they may still vote in; officials see reminders as counts only, never who,
and send the failed ones again; a bounce fails at once, visible and retried."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from elections import actions
from elections.models import Invitation, InvitationKind, InvitationState, Phase
from elections.notices import contest_list
from elections.results.scenarios import scenario_cast
from elections.scenarios import scenario_move, scenario_stand
from tests.smtpsink import SmtpSink

pytestmark = pytest.mark.django_db


def _to_polling(season: dict[str, Any], capture: Any) -> Any:
    election, official, people = season["election"], season["official"], season["people"]
    contests = season["contests"]
    with capture(execute=True):
        election = scenario_move(election, Phase.NOMINATIONS, actor=official)
        for contest, names in ((contests["nova"], ("alice", "bob")), ("swift", ("carol", "erin"))):
            contest = contests[contest] if isinstance(contest, str) else contest
            for name in names:
                scenario_stand(contest, people[name], reviewer=official)
    with capture(execute=True):
        election = scenario_move(election, Phase.POLLING, actor=official)
    for contest in contests.values():
        contest.refresh_from_db()
    return election


def _subjects(sink: SmtpSink, start: str) -> dict[str, list[str]]:
    subjects: dict[str, list[str]] = {}
    for received in sink.received:
        subject = received.message()["Subject"]
        if subject.startswith(start):
            subjects.setdefault(received.recipients[0], []).append(subject)
    return subjects


def _body(sink: SmtpSink, address: str, start: str) -> str:
    (body,) = [
        r.message().get_payload(decode=True).decode().replace("\r\n", "\n")
        for r in sink.to(address)
        if r.message()["Subject"].startswith(start)
    ]
    return body


def test_the_invitation_subject_names_the_persons_polls_or_how_many() -> None:
    assert contest_list(["Nova PTL"]) == "Nova PTL"
    assert contest_list(["Nova PTL", "Swift PTL"]) == "Nova PTL and Swift PTL"
    assert contest_list(["A", "B", "C"]) == "A, B and C"
    assert contest_list(["A", "B", "C", "D"]) == "4 contests"


def test_one_reminder_per_person_names_the_polls_left_and_officials_see_only_counts(
    smtp: SmtpSink,
    season: dict[str, Any],
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    smtp.received.clear()
    election = _to_polling(season, capture)
    name = election.name
    invited = _subjects(smtp, "Vote now")
    # alice is on both polls' rolls: one invitation, whose subject names both.
    assert invited["alice@example.org"] == [f"Vote now: Nova PTL and Swift PTL ({name})"]
    assert invited["dave@example.org"] == [f"Vote now: Nova PTL ({name})"]
    assert invited["carol@example.org"] == [f"Vote now: Swift PTL ({name})"]

    people, contests = season["people"], season["contests"]
    scenario_cast(contests["nova"], people["bob"], ["alice", "bob"])
    scenario_cast(contests["swift"], people["erin"], ["carol", "erin"])
    scenario_cast(contests["swift"], people["alice"], ["carol"])  # alice: Swift, not Nova
    smtp.received.clear()
    smtp.reject.add("carol@example.org")  # her mailbox is gone: the reminder bounces

    due = election.polling_closes_at - datetime.timedelta(days=2)
    with time_machine.travel(due, tick=False), capture(execute=True):
        actions.elections_advance(now=due)
        actions.elections_advance(now=due)
    reminded = _subjects(smtp, "Reminder")
    closes = f"{contests['nova'].polling_closes_at:%Y-%m-%d %H:%M} UTC"
    # Once per person, naming only the polls they may still vote in.
    assert reminded == {
        "alice@example.org": [f"Reminder: vote in Nova PTL before {closes}"],
        "dave@example.org": [f"Reminder: vote in Nova PTL before {closes}"],
    }
    alice = _body(smtp, "alice@example.org", "Reminder")
    assert "no vote from you yet in:\n- Nova PTL\n" in alice and "Swift" not in alice
    # carol's bounced at once (no retries against a mailbox that does not exist).
    (bounced,) = Invitation.objects.filter(kind=InvitationKind.POLLING_REMINDER)
    assert bounced.state == InvitationState.FAILED and bounced.attempts == 1
    assert bounced.last_error.startswith("Bounced")

    # The officials: counts only. Neither the invitations' list nor the notices page nor
    # the dashboard names who was reminded (who had not voted).
    client.force_login(season["official"])
    listing = client.get(
        reverse("admin:elections_invitation_changelist") + "?state__exact=failed"
    ).content.decode()
    assert "carol@example.org" not in listing
    notices = reverse(
        "officials_notice", kwargs={"slug": election.slug, "kind": "polling_reminder"}
    )
    page = client.get(notices).content.decode()
    assert "0 waiting, 0 being sent, 1 failed" in page
    for address in ("carol@example.org", "alice@example.org", "dave@example.org"):
        assert address not in page
    dashboard = client.get(reverse("officials_dashboard", args=[election.slug])).content.decode()
    assert "1 reminder failed." in dashboard and "carol@example.org" not in dashboard

    # Sent again, all together, once the mailbox is back.
    smtp.reject.clear()
    smtp.received.clear()
    with capture(execute=True):
        assert client.post(notices, {"retry_reminders": "1"}).status_code == 302
    assert _subjects(smtp, "Reminder") == {
        "carol@example.org": [f"Reminder: vote in Swift PTL before {closes}"]
    }
    # A sent reminder leaves no row: nothing says who had not voted.
    assert not Invitation.objects.filter(kind=InvitationKind.POLLING_REMINDER).exists()


def test_someone_who_voted_everywhere_before_the_reminder_went_is_not_reminded(
    smtp: SmtpSink, season: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    election = _to_polling(season, capture)
    smtp.received.clear()
    with capture(execute=False) as queued:
        assert actions.election_queue_reminders(election=election) == 5
    # alice votes in both polls between the queueing and the sending.
    people, contests = season["people"], season["contests"]
    scenario_cast(contests["nova"], people["alice"], ["alice"])
    scenario_cast(contests["swift"], people["alice"], ["carol"])
    for callback in queued:
        callback()
    reminded = _subjects(smtp, "Reminder")
    assert "alice@example.org" not in reminded
    assert sorted(reminded) == [
        "bob@example.org",
        "carol@example.org",
        "dave@example.org",
        "erin@example.org",
    ]
    assert not Invitation.objects.filter(kind=InvitationKind.POLLING_REMINDER).exists()
