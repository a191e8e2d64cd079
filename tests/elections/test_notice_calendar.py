"""The notice calendar, through a real SMTP server on loopback: each notice goes once at its
date, in the officials' words, to its audience (one mail per person listing their contests),
never twice, and not after an opt-out."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from elections import actions
from elections.models import Invitation, InvitationState, NoticeRun, Phase
from elections.notices import notice_calendar
from elections.results.scenarios import scenario_cast, scenario_count, scenario_publish
from elections.scenarios import scenario_move, scenario_stand
from tests.elections.conftest import NOVA, SWIFT
from tests.smtpsink import SmtpSink

pytestmark = pytest.mark.django_db

OPT_OUT = re.compile(r"(http://vote\.example\.test/opt-out/\S+/)")


def _bodies(sink: SmtpSink, address: str) -> list[str]:
    return [
        r.message().get_payload(decode=True).decode().replace("\r\n", "\n")
        for r in sink.to(address)
    ]


def _advance(moment: datetime.datetime, capture: Any) -> None:
    with time_machine.travel(moment, tick=False), capture(execute=True):
        actions.elections_advance(now=moment)


def test_each_notice_goes_once_at_its_date_in_the_officials_words_and_opt_out_stops_them(
    smtp: SmtpSink,
    season: dict[str, Any],
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    election, official = season["election"], season["official"]
    capture = django_capture_on_commit_callbacks
    # The officials reword the kickoff before it goes.
    client.force_login(official)
    url = reverse("officials_notice", kwargs={"slug": election.slug, "kind": "nominations_kickoff"})
    page = client.get(url).content.decode()
    assert "when nominations open" in page and "not yet" in page  # the calendar, nothing sent
    body = "Stand, $name! On the roll for:\n$contests\nUntil $nominations_closes.\n$opt_out_link\n"
    assert (
        client.post(url, {"subject": "Stand in $election", "body": body, "save": "1"}).status_code
        == 302
    )

    # Before the season's date: nothing. From it until nominations open: the election
    # season notice, once per person, with the calendar and where to check eligibility.
    season_at = election.nominations_opens_at - datetime.timedelta(days=14)
    _advance(season_at - datetime.timedelta(hours=1), capture)
    assert smtp.received == []
    _advance(season_at + datetime.timedelta(hours=1), capture)
    assert sorted(smtp.recipients()) == sorted(NOVA | SWIFT)
    (coming,) = smtp.to("alice@example.org")
    assert coming.message()["Subject"].startswith(f"{election.name} is coming")
    (text,) = _bodies(smtp, "alice@example.org")
    assert "you are on\nthe roll for:\n- Nova PTL\n- Swift PTL\n" in text
    assert "http://vote.example.test/eligibility/" in text
    assert f"Nominations: {election.nominations_opens_at:%Y-%m-%d %H:%M} UTC" in text
    assert "Who may stand" in text and "Who may vote" in text
    smtp.received.clear()
    # Before the kickoff's date: nothing more.
    _advance(election.nominations_opens_at - datetime.timedelta(hours=1), capture)
    assert smtp.received == []

    _advance(election.nominations_opens_at, capture)
    election.refresh_from_db()
    assert election.phase == Phase.NOMINATIONS
    # One mail per person, even alice on both rolls; dave (no account) too.
    assert sorted(smtp.recipients()) == sorted(NOVA | SWIFT)
    (alice,) = smtp.to("alice@example.org")
    assert alice.message()["Subject"] == f"Stand in {election.name}"
    (text,) = _bodies(smtp, "alice@example.org")
    assert text.startswith("Stand, alice! On the roll for:\n- Nova PTL\n- Swift PTL\n")
    (dave,) = _bodies(smtp, "dave@example.org")
    assert "- Nova PTL\n" in dave and "Swift PTL" not in dave
    # The scheduler again, and the sweep much later: nothing more.
    _advance(election.nominations_opens_at + datetime.timedelta(hours=1), capture)
    assert len(smtp.received) == len(NOVA | SWIFT)
    assert "not yet" in client.get(url).content.decode()  # later notices still ahead

    # dave opts out from his kickoff mail: no more notices for him.
    opt_out = OPT_OUT.search(dave)
    assert opt_out
    Client().post(opt_out.group(1).replace("http://vote.example.test", ""))

    people, contests = season["people"], season["contests"]
    with time_machine.travel(election.nominations_opens_at + datetime.timedelta(days=1)):
        for contest, names in (
            (contests["nova"], ("alice", "bob")),
            (contests["swift"], ("carol", "erin")),
        ):
            with capture(execute=True):
                for name in names:
                    scenario_stand(contest, people[name], reviewer=official)
    smtp.received.clear()  # the review decisions

    _advance(election.nominations_closes_at - datetime.timedelta(days=2), capture)
    assert sorted(smtp.recipients()) == sorted((NOVA | SWIFT) - {"dave@example.org"})
    assert all("Last days to stand" in r.message()["Subject"] for r in smtp.received)
    smtp.received.clear()

    _advance(election.nominations_closes_at, capture)
    election.refresh_from_db()
    assert election.phase == Phase.CAMPAIGNING
    subjects = sorted((r.recipients[0], r.message()["Subject"]) for r in smtp.received)
    expected = sorted(
        (address, f"{subject}: {election.name}")
        for address in (NOVA | SWIFT) - {"dave@example.org"}
        for subject in ("Nominations have closed", "Campaigning is open")
    )
    assert subjects == expected
    smtp.received.clear()
    _advance(election.nominations_closes_at + datetime.timedelta(days=1), capture)
    assert smtp.received == []

    _advance(election.polling_opens_at, capture)
    election.refresh_from_db()
    assert election.phase == Phase.POLLING
    # One invitation per person: alice, on both polls' rolls, gets one listing both.
    assert sorted(smtp.recipients()) == sorted((NOVA | SWIFT) - {"dave@example.org"})
    (invitation,) = _bodies(smtp, "alice@example.org")
    assert "you are on the roll for:\n- Nova PTL\n- Swift PTL\n" in invitation
    assert Invitation.objects.filter(email="alice@example.org", kind="polling_open").count() == 1
    smtp.received.clear()

    # Close, count and publish; the results go to everyone invited, once.
    with time_machine.travel(election.polling_opens_at + datetime.timedelta(days=1)):
        scenario_cast(contests["nova"], people["alice"], ["alice", "bob"])
    closing = election.polling_opens_at + datetime.timedelta(days=2)
    with time_machine.travel(closing, tick=False), capture(execute=True):
        scenario_move(election, Phase.CLOSED, actor=official)
        for contest in contests.values():
            contest.refresh_from_db()
            scenario_count(contest, actor=official)
            scenario_publish(contest, actor=official)
    election.refresh_from_db()
    assert election.phase == Phase.PUBLISHED
    smtp.received.clear()
    later = election.polling_closes_at + datetime.timedelta(days=1)
    _advance(later, capture)
    assert sorted(smtp.recipients()) == sorted((NOVA | SWIFT) - {"dave@example.org"})
    results = _bodies(smtp, "alice@example.org")[0]
    assert "- Nova PTL\n- Swift PTL\n" in results
    assert f"http://vote.example.test/results/{election.slug}/" in results
    _advance(later + datetime.timedelta(days=1), capture)
    assert len(smtp.received) == len((NOVA | SWIFT) - {"dave@example.org"})
    assert set(NoticeRun.objects.values_list("kind", flat=True)) == {
        "election_season",
        "nominations_kickoff",
        "nominations_last_days",
        "nominations_end",
        "campaigning_kickoff",
        "results",
    }
    assert not Invitation.objects.filter(state=InvitationState.PENDING).exists()


def test_a_notice_whose_phase_has_passed_is_not_sent_late(
    smtp: SmtpSink, season: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Officials opened nominations by hand and the scheduler next ran after their close
    date had come: neither the kickoff nor the last days go out late."""
    election = season["election"]
    scenario_move(election, Phase.NOMINATIONS, actor=season["official"])
    election.refresh_from_db()
    _advance(election.nominations_closes_at, django_capture_on_commit_callbacks)
    sent = {r.message()["Subject"].split(":")[0] for r in smtp.received}
    assert "Nominations are open" not in sent and not any("Last days" in s for s in sent)
    assert "Nominations have closed" in sent


def test_a_nomination_notice_needs_the_opt_out_link_and_the_calendar_follows_the_dates() -> None:
    from elections.notices import NoticeTextError, notice_text_check

    with pytest.raises(NoticeTextError, match=r"must carry \$opt_out_link"):
        notice_text_check("Stand", "Stand in $election", "nominations_kickoff")
    # A nomination notice may leave out $link; a polling one may not.
    notice_text_check("Stand", "Stand in $election $opt_out_link", "nominations_kickoff")
    with pytest.raises(NoticeTextError, match=r"\$link"):
        notice_text_check("Vote", "Vote $opt_out_link", "polling_open")
    opens = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    days = datetime.timedelta(days=1)
    calendar = {
        n.kind: n.due_at
        for n in notice_calendar(
            nominations_opens_at=opens,
            nominations_closes_at=opens + 14 * days,
            polling_opens_at=opens + 14 * days,
            polling_closes_at=opens + 35 * days,
            reminder_days=2,
            last_days=4,
        )
    }
    # No campaigning when the polls open as nominations close.
    assert calendar == {
        "election_season": opens - 14 * days,
        "nominations_kickoff": opens,
        "nominations_last_days": opens + 12 * days,
        "nominations_end": opens + 14 * days,
        "polling_open": opens + 14 * days,
        "polling_last_days": opens + 31 * days,
        "polling_reminder": opens + 33 * days,
        "results": None,
    }


def test_officials_preview_and_reword_the_election_season_notice_before_it_goes(
    smtp: SmtpSink,
    season: dict[str, Any],
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    election = season["election"]
    client.force_login(season["official"])
    url = reverse("officials_notice", kwargs={"slug": election.slug, "kind": "election_season"})
    page = client.get(url).content.decode()
    assert "The election is coming" in page and "14 days before nominations open" in page
    body = "$election: nominations $nominations_opens; check $link\n$opt_out_link\n"
    preview = client.post(url, {"subject": "Soon: $election", "body": body, "preview": "1"})
    text = preview.content.decode()
    assert f"{election.name}: nominations" in text and "/eligibility/" in text
    assert (
        client.post(url, {"subject": "Soon: $election", "body": body, "save": "1"}).status_code
        == 302
    )
    season_at = election.nominations_opens_at - datetime.timedelta(days=13)
    _advance(season_at, django_capture_on_commit_callbacks)
    assert {r.message()["Subject"] for r in smtp.received} == {f"Soon: {election.name}"}
    assert sorted(smtp.recipients()) == sorted(NOVA | SWIFT)
