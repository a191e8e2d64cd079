"""The announcements to an election's list (OpenStack's officials post each notice to
openstack-discuss), through a real SMTP server on loopback: each notice of the calendar is
announced once to the list however often the scheduler runs, with no one's own links, in the
officials' words; the last days of polling go to the list only; nothing goes without an
address; a refused announcement fails visibly and goes on retry; an official who stands
cannot change the list or its words."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from elections import actions
from elections.models import (
    Announcement,
    AnnouncementState,
    Election,
    NoticeRun,
    NoticeTemplate,
    Phase,
)
from elections.notices import ANNOUNCED, NoticeTextError, notice_text_check
from elections.results.scenarios import scenario_count, scenario_publish
from elections.scenarios import scenario_move, scenario_stand
from tests.conftest import enrol_authenticator_app
from tests.elections.conftest import NOVA, SWIFT
from tests.smtpsink import SmtpSink

pytestmark = pytest.mark.django_db

LIST = "openstack-discuss@lists.example.org"
CONFIGURATION = Path(__file__).resolve().parents[2] / "data/openstack/configuration.yaml"


def _advance(moment: datetime.datetime, capture: Any, times: int = 2) -> None:
    """The scheduler, run ``times`` at ``moment`` (each run sends what its commit queued)."""
    for _ in range(times):
        with time_machine.travel(moment, tick=False), capture(execute=True):
            actions.elections_advance(now=moment)


def _to_list(sink: SmtpSink) -> list[tuple[str, str]]:
    return [
        (
            r.message()["Subject"],
            r.message().get_payload(decode=True).decode().replace("\r\n", "\n"),
        )
        for r in sink.to(LIST)
    ]


def _stand(season: dict[str, Any], capture: Any) -> None:
    people, contests, official = season["people"], season["contests"], season["official"]
    for contest, names in ((contests["nova"], ("alice", "bob")), (contests["swift"], ("carol",))):
        with capture(execute=True):
            for name in names:
                scenario_stand(contest, people[name], reviewer=official)


def test_each_notice_is_announced_once_to_the_list_whatever_the_scheduler_runs(
    smtp: SmtpSink, season: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.STACKVOTE_POLLING_LAST_DAYS = 4
    capture = django_capture_on_commit_callbacks
    election, official = season["election"], season["official"]
    election = actions.election_update(election=election, actor=official, announcement_address=LIST)
    days = datetime.timedelta(days=1)
    _advance(election.nominations_opens_at - 13 * days, capture)
    _advance(election.nominations_opens_at, capture)
    with time_machine.travel(election.nominations_opens_at + days):
        _stand(season, capture)
    _advance(election.nominations_closes_at - 2 * days, capture)
    _advance(election.nominations_closes_at, capture)
    _advance(election.polling_opens_at, capture)
    _advance(election.polling_closes_at - 4 * days - datetime.timedelta(hours=1), capture)
    before_last_days = len(smtp.to(LIST))
    _advance(election.polling_closes_at - 4 * days, capture)
    assert len(smtp.to(LIST)) == before_last_days + 1
    closing = election.polling_closes_at
    with time_machine.travel(closing, tick=False), capture(execute=True):
        scenario_move(election, Phase.CLOSED, actor=official)
        for contest in election.contests.order_by("pk"):
            scenario_count(contest, actor=official)
            scenario_publish(contest, actor=official)
    _advance(closing + days, capture)
    _advance(closing + 2 * days, capture)  # the sweep much later: nothing again

    name = election.name
    subjects = [subject for subject, _ in _to_list(smtp)]
    assert subjects == [
        f"[election] {name} is coming",
        f"[election] Nominations are open: {name}",
        f"[election] Last days to stand in {name}",
        f"[election] Nominations have closed: {name}",
        f"[election] Campaigning is open: {name}",
        f"[election] Polling is open: {name}",
        f"[election] Last days to vote in {name}",
        f"[election] Results: {name}",
    ]
    assert set(Announcement.objects.values_list("kind", flat=True)) == set(ANNOUNCED)
    assert set(Announcement.objects.values_list("state", flat=True)) == {AnnouncementState.SENT}
    bodies = dict(_to_list(smtp))
    # General announcements: the election's public pages, no one's sign-in or opt-out link.
    opening = bodies[f"[election] Polling is open: {name}"]
    assert f"http://vote.example.test/elections/{election.slug}/" in opening
    assert "- Nova PTL\n- Swift PTL\n" in opening
    assert all("/invitation/" not in body and "/opt-out/" not in body for body in bodies.values())
    assert "/eligibility/" in bodies[f"[election] {name} is coming"]
    assert f"/results/{election.slug}/" in bodies[f"[election] Results: {name}"]
    for received in smtp.to(LIST):
        assert received.message()["List-Unsubscribe"] is None
    # The last days of polling went to the list only: nobody on a roll got them.
    to_people = [r for r in smtp.received if r.recipients != [LIST]]
    assert not any("Last days to vote" in r.message()["Subject"] for r in to_people)
    # The reminder to those who had not voted never goes to the list.
    assert not any("Reminder" in subject for subject in subjects)
    assert NoticeRun.objects.get(election=election, kind="polling_last_days").recipients == 0


def test_without_an_address_nothing_is_announced_and_the_last_days_have_nowhere_to_go(
    smtp: SmtpSink,
    season: dict[str, Any],
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    election, official = season["election"], season["official"]
    _advance(election.nominations_opens_at, capture)
    with time_machine.travel(election.nominations_opens_at + datetime.timedelta(days=1)):
        _stand(season, capture)
    _advance(election.polling_opens_at, capture)
    _advance(election.polling_closes_at - datetime.timedelta(days=1), capture)
    assert smtp.received and smtp.to(LIST) == []
    assert not Announcement.objects.exists()
    # Neither sent nor recorded missed: it had nowhere to go.
    assert not NoticeRun.objects.filter(kind="polling_last_days").exists()

    client.force_login(official)
    url = reverse("officials_announcement", kwargs={"slug": election.slug, "kind": "results"})
    page = client.get(url).content.decode()
    assert "no announcement address: announcements have nowhere to go" in page
    assert "nowhere to go: the election has no announcement address" in page  # the calendar
    with pytest.raises(actions.ElectionError, match="nowhere to go"):
        actions.election_notice_queue(election=election, kind="polling_last_days", actor=official)
    # Its notice page is the announcement's: it has no mail to each person.
    notice = reverse(
        "officials_notice", kwargs={"slug": election.slug, "kind": "polling_last_days"}
    )
    assert client.get(notice)["Location"].endswith("/announcements/polling_last_days/")


def test_the_last_days_of_polling_found_late_are_missed_and_an_official_sends_them(
    smtp: SmtpSink,
    season: dict[str, Any],
    client: Client,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.STACKVOTE_NOTICE_GRACE_DAYS = 1
    capture = django_capture_on_commit_callbacks
    election, official = season["election"], season["official"]
    actions.election_update(election=election, actor=official, announcement_address=LIST)
    _advance(election.nominations_opens_at, capture)
    with time_machine.travel(election.nominations_opens_at + datetime.timedelta(days=1)):
        _stand(season, capture)
    _advance(election.polling_opens_at, capture)
    smtp.received.clear()
    # The scheduler was stopped over the last days: found two days after their moment.
    late = election.polling_closes_at - datetime.timedelta(days=1)
    _advance(late, capture)
    assert not any("Last days to vote" in r.message()["Subject"] for r in smtp.received)
    assert NoticeRun.objects.get(election=election, kind="polling_last_days").state == "missed"
    client.force_login(official)
    url = reverse(
        "officials_announcement", kwargs={"slug": election.slug, "kind": "polling_last_days"}
    )
    with time_machine.travel(late, tick=False), capture(execute=True):
        assert client.post(url, {"send": "1"}).status_code == 302
    (last_days,) = [r for r in smtp.received if "Last days to vote" in r.message()["Subject"]]
    assert last_days.recipients == [LIST]


def test_a_refused_announcement_fails_visibly_and_goes_once_on_retry(
    smtp: SmtpSink,
    season: dict[str, Any],
    client: Client,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.STACKVOTE_MAIL_MAX_RETRIES = 1
    capture = django_capture_on_commit_callbacks
    election, official = season["election"], season["official"]
    actions.election_update(election=election, actor=official, announcement_address=LIST)
    smtp.refuse.add(LIST)
    _advance(election.nominations_opens_at, capture)
    announcement = Announcement.objects.get(kind="nominations_kickoff")
    assert announcement.state == AnnouncementState.PENDING and "451" in announcement.last_error
    # The back-off ends; the sweep tries again, and it fails for good.
    later = announcement.not_before + datetime.timedelta(minutes=20)
    _advance(later, capture)
    announcement.refresh_from_db()
    assert announcement.state == AnnouncementState.FAILED and announcement.attempts == 2
    assert AuditEntry.objects.filter(action="announcement.failed").count() == 1

    client.force_login(official)
    url = reverse(
        "officials_announcement", kwargs={"slug": election.slug, "kind": "nominations_kickoff"}
    )
    page = client.get(url).content.decode()
    assert "failed, to " + LIST in page and "451" in page
    notices = reverse(
        "officials_notice", kwargs={"slug": election.slug, "kind": "nominations_kickoff"}
    )
    assert f"failed ({LIST})" in client.get(notices).content.decode()
    dashboard = reverse("officials_dashboard", kwargs={"slug": election.slug})
    assert "1 list announcement failed." in client.get(dashboard).content.decode()
    smtp.refuse.clear()
    with time_machine.travel(later, tick=False), capture(execute=True):
        assert client.post(url, {"retry": "1"}).status_code == 302
    announcement.refresh_from_db()
    assert announcement.state == AnnouncementState.SENT
    assert len(smtp.to(LIST)) == 1
    entry = AuditEntry.objects.get(action="election.announcement_retry")
    assert entry.actor_id == official.pk and entry.detail["kind"] == "nominations_kickoff"
    # Not a second time, by the sweep or a second click.
    with time_machine.travel(later, tick=False), capture(execute=True):
        client.post(url, {"retry": "1"})
    _advance(later + datetime.timedelta(hours=1), capture)
    assert len(smtp.to(LIST)) == 1


def test_a_task_lost_with_the_broker_is_sent_by_the_sweep(
    smtp: SmtpSink, season: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    election, official = season["election"], season["official"]
    actions.election_update(election=election, actor=official, announcement_address=LIST)
    moment = election.nominations_opens_at
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks():
        actions.elections_advance(now=moment)  # committed, its tasks never run
    assert smtp.to(LIST) == []
    later = moment + datetime.timedelta(minutes=20)
    _advance(later, django_capture_on_commit_callbacks)
    assert [r.message()["Subject"].split(":")[0] for r in smtp.to(LIST)] == [
        "[election] Nominations are open"
    ]


def test_officials_word_the_announcement_with_the_elections_facts_only_and_pages_escape_them(
    smtp: SmtpSink,
    season: dict[str, Any],
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    election, official = season["election"], season["official"]
    election = actions.election_update(
        election=election,
        actor=official,
        announcement_address=LIST,
        name="2027.1 <script>alert(1)</script>",
    )
    client.force_login(official)
    url = reverse(
        "officials_announcement", kwargs={"slug": election.slug, "kind": "nominations_kickoff"}
    )
    page = client.get(url).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "2027.1 &lt;script&gt;alert(1)&lt;/script&gt;" in page
    # A person's placeholder is refused: a list has no name and no opt-out.
    refused = client.post(
        url, {"subject": "Stand, $name", "body": "Go: $link\n$opt_out_link", "save": "1"}
    )
    assert "an announcement goes to a list" in refused.content.decode()
    assert not NoticeTemplate.objects.exists()
    body = "Stand in $election!\n$contests\n$link\n"
    preview = client.post(url, {"subject": "Stand: $election", "body": body, "preview": "1"})
    text = preview.content.decode()
    assert "Stand in 2027.1 &lt;script&gt;" in text and "<script>alert" not in text
    assert client.post(url, {"subject": "Stand: $election", "body": body, "save": "1"}).status_code
    assert NoticeTemplate.objects.get().audience == "list"
    _advance(election.nominations_opens_at, django_capture_on_commit_callbacks)
    (received,) = smtp.to(LIST)
    # Plain text mail: the name as the officials typed it.
    assert received.message()["Subject"] == "Stand: 2027.1 <script>alert(1)</script>"
    assert received.message().get_content_type() == "text/plain"
    # The mail to each person kept its default words.
    assert smtp.to("alice@example.org")[0].message()["Subject"].startswith("Nominations are open")
    assert sorted(set(smtp.recipients()) - {LIST}) == sorted(NOVA | SWIFT)


def test_an_official_who_stands_cannot_change_the_list_or_its_words(
    smtp: SmtpSink,
    season: dict[str, Any],
    make_user: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from accounts.roles import ensure_official_group

    election, official = season["election"], season["official"]
    actions.election_update(election=election, actor=official, announcement_address=LIST)
    _advance(election.nominations_opens_at, django_capture_on_commit_callbacks)
    # alice stands, then is made an official (officials cannot file a candidacy).
    standing = season["people"]["alice"]
    with django_capture_on_commit_callbacks(execute=True):
        scenario_stand(season["contests"]["nova"], standing, reviewer=official)
    standing.is_staff = True
    standing.save(update_fields=["is_staff"])
    standing.groups.add(ensure_official_group())
    enrol_authenticator_app(standing)
    with pytest.raises(actions.ElectionError, match="stand as a candidate"):
        actions.election_update(
            election=election, actor=standing, announcement_address="mine@example.org"
        )
    with pytest.raises(actions.ElectionError, match="stand as a candidate"):
        actions.notice_text_set(
            election=election,
            kind="results",
            actor=standing,
            subject="Results",
            body="$link",
            audience="list",
        )
    with pytest.raises(CommandError, match="stand as a candidate"):
        call_command(
            "election", election.slug, "--actor", standing.email, "announce-to", "x@example.org"
        )
    # Nor through the page: the refusal is shown, nothing saved.
    client.force_login(standing)
    url = reverse("officials_announcement", kwargs={"slug": election.slug, "kind": "results"})
    answer = client.post(url, {"subject": "Results", "body": "$link", "save": "1"})
    assert "stand as a candidate" in answer.content.decode()
    election.refresh_from_db()
    assert election.announcement_address == LIST
    assert not NoticeTemplate.objects.exists()


def test_the_address_is_validated_and_set_by_the_commands(official: Any, season: Any) -> None:
    election = season["election"]
    with pytest.raises(actions.ElectionError, match="announcement_address"):
        actions.election_update(election=election, actor=official, announcement_address="nope")
    out = StringIO()
    call_command(
        "election", election.slug, "--actor", official.email, "announce-to", LIST, stdout=out
    )
    assert f"is announced to {LIST}" in out.getvalue()
    call_command("election", election.slug, "--actor", official.email, "announce-to", "")
    election.refresh_from_db()
    assert election.announcement_address == ""
    assert AuditEntry.objects.filter(
        action="election.update", detail__announcement_address__to=LIST
    ).exists()

    before = Election.objects.count()
    with pytest.raises(CommandError, match="not an e-mail address"):
        call_command("import_election", str(CONFIGURATION), "--announce-to", "not-an-address")
    assert Election.objects.count() == before  # nothing half done
    call_command("import_election", str(CONFIGURATION), "--announce-to", LIST)
    assert Election.objects.get(slug="2027-1-combined").announcement_address == LIST


def test_an_announcement_text_must_carry_the_link_and_no_persons_facts() -> None:
    with pytest.raises(NoticeTextError, match=r"must carry \$link"):
        notice_text_check("News", "Nominations are open in $election", "results", "list")
    with pytest.raises(NoticeTextError, match=r"\$opt_out_link.*a list"):
        notice_text_check("News", "$link $opt_out_link", "results", "list")
    with pytest.raises(NoticeTextError, match=r"Unknown placeholder.*\$nope"):
        notice_text_check("News", "$link $nope", "results", "list")
    notice_text_check("News: $election", "$contests\n$link", "results", "list")
