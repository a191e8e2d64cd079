"""The officials' dashboard of one election (/officials/elections/<slug>/): who may open it,
what it says about the election, and what each of its buttons does or refuses."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import ensure_official_group
from audit.models import AuditEntry
from elections import actions as election_actions
from elections.models import Candidacy, ContestKind, Election, Notification, Phase
from elections.results.dashboard import election_dashboard
from elections.results.models import Result
from elections.results.scenarios import (
    scenario_build,
    scenario_election,
    scenario_move,
    scenario_person,
    scenario_stand,
    scenario_team,
)
from tests.conftest import enrol_authenticator_app

pytestmark = pytest.mark.django_db


def _url(election: Election, name: str = "officials_dashboard", **kwargs: Any) -> str:
    return reverse(name, kwargs={"slug": election.slug, **kwargs})


def _text(response: Any) -> str:
    """The page's text without tags, spaces squeezed (what a reader sees)."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(unescape(body).split())


@pytest.fixture
def official_client(client: Client, official: Any) -> Client:
    client.force_login(official)
    return client


def _phase(election: Election) -> str:
    election.refresh_from_db()
    return election.phase


def test_only_the_officials_of_the_election_open_its_dashboard(
    official: Any, make_user: Any
) -> None:
    scenario = scenario_build(official=official, slug="acl-2027", phase=Phase.POLLING)
    url = _url(scenario.election)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    voter = Client()
    voter.force_login(scenario.electors[0])
    assert voter.get(url).status_code == 403
    staff = Client()
    staff.force_login(make_user("staff@example.org", is_staff=True))
    assert staff.get(url).status_code == 403
    # An official of the group who is not among the election's named officials.
    other = make_user("other-official@example.org", is_staff=True)
    other.groups.add(ensure_official_group())
    election_actions.election_officials_set(
        election=scenario.election, officials=[official], actor=official
    )
    outsider = Client()
    outsider.force_login(other)
    assert outsider.get(url).status_code == 403
    assert outsider.post(_url(scenario.election, "officials_phase_move")).status_code == 403
    assert _phase(scenario.election) == Phase.POLLING
    mine = Client()
    mine.force_login(official)
    assert mine.get(url).status_code == 200
    assert mine.get(reverse("officials_dashboard", kwargs={"slug": "no-such"})).status_code == 404


def test_the_dashboard_says_the_phase_the_next_step_its_date_and_the_turnout(
    official_client: Client, official: Any
) -> None:
    scenario = scenario_build(
        official=official, slug="poll-2027", phase=Phase.POLLING, extra_electors=1
    )
    text = _text(official_client.get(_url(scenario.election)))
    closes = scenario.election.polling_closes_at.strftime("%Y-%m-%d %H:%M")
    assert f"Phase: Polling . Next: Closed , due by the calendar on {closes}" in text
    assert "queues the seal and the count" in text
    # Three of the seven electors (three candidates, four voters) voted: counts only.
    assert "3 of 7 (42.9%)" in text
    assert "Move to Closed" in text and "Nothing blocks the next step." in text


def test_a_phase_button_moves_the_election_and_asks_for_a_reason(
    official_client: Client, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    scenario = scenario_build(official=official, slug="move-2027", phase=Phase.POLLING)
    move = _url(scenario.election, "officials_phase_move")
    page = official_client.post(move, {"to_phase": "closed", "reason": "  "}, follow=True)
    assert "Reason: This field is required." in _text(page)
    assert _phase(scenario.election) == Phase.POLLING
    page = official_client.post(move, {"to_phase": "published", "reason": "why not"}, follow=True)
    assert "Select a valid choice" in _text(page) and _phase(scenario.election) == Phase.POLLING
    with django_capture_on_commit_callbacks(execute=True):
        page = official_client.post(
            move, {"to_phase": "closed", "reason": "calendar reached"}, follow=True
        )
    assert page.status_code == 200
    assert f"{scenario.election.name} moved to" in _text(page)
    # The close queued the seal and the count, which ran (in-process in tests).
    assert _phase(scenario.election) == Phase.TALLIED
    moves = AuditEntry.objects.filter(action="election.phase_move").order_by("pk")
    close = [entry.detail for entry in moves if entry.detail["to"] == "closed"]
    assert close[-1]["reason"] == "calendar reached" and close[-1]["from"] == "polling"


def test_an_official_who_stands_is_refused_with_the_actions_message(
    client: Client, official: Any
) -> None:
    scenario = scenario_build(official=official, slug="conflict-2027", phase=Phase.POLLING)
    candidate = scenario.candidates[0]
    candidate.is_staff = True
    candidate.save(update_fields=["is_staff"])
    candidate.groups.add(ensure_official_group())
    enrol_authenticator_app(candidate)
    client.force_login(candidate)
    page = client.post(
        _url(scenario.election, "officials_phase_move"),
        {"to_phase": "closed", "reason": "I want to win"},
        follow=True,
    )
    assert page.status_code == 200
    assert "You stand as a candidate in" in _text(page)
    assert _phase(scenario.election) == Phase.POLLING


def test_publish_unpublish_and_publish_again_from_the_dashboard(
    official_client: Client, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    scenario = scenario_build(official=official, slug="pub-2027", phase=Phase.TALLIED)
    result = Result.objects.get(contest=scenario.contest)
    text = _text(official_client.get(_url(scenario.election)))
    assert "Draft (officials only) : Alice Able" in text and "Publish Technical Committee" in text
    publish = _url(scenario.election, "officials_result_publish", pk=result.pk)
    with django_capture_on_commit_callbacks(execute=True):
        page = official_client.post(publish, follow=True)
    assert "Technical Committee: result published." in _text(page)
    result.refresh_from_db()
    assert result.state == "published" and _phase(scenario.election) == Phase.PUBLISHED

    unpublish = _url(scenario.election, "officials_result_unpublish", pk=result.pk)
    page = official_client.post(unpublish, {"reason": ""}, follow=True)
    assert "Reason: This field is required." in _text(page)
    result.refresh_from_db()
    assert result.state == "published"
    page = official_client.post(unpublish, {"reason": "a typo in a name"}, follow=True)
    assert "result taken down." in _text(page) and "Taken down: a typo in a name" in _text(page)
    result.refresh_from_db()
    assert result.state == "draft"
    assert official_client.post(publish).status_code == 302
    result.refresh_from_db()
    assert result.state == "published"
    # Publishing twice is refused by the action, as a message.
    page = official_client.post(publish, follow=True)
    assert "This result is already published." in _text(page)


def test_seal_and_count_button_on_a_closed_poll(
    official_client: Client, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    scenario = scenario_build(official=official, slug="count-2027", phase=Phase.CLOSED)
    text = _text(official_client.get(_url(scenario.election)))
    assert "Seal and count Technical Committee now" in text
    with django_capture_on_commit_callbacks(execute=True):
        page = official_client.post(
            _url(scenario.election, "officials_contest_count", pk=scenario.contest.pk),
            follow=True,
        )
    assert "seal and count queued" in _text(page) or "count queued" in _text(page)
    assert Result.objects.filter(contest=scenario.contest).exists()
    # Once counted, the page shows the count done and a draft to publish.
    text = _text(official_client.get(_url(scenario.election)))
    assert "Done , 3 ballots" in text and "Draft (officials only) : Alice Able" in text


def _statistics_election(official: Any) -> tuple[Election, dict[str, Any]]:
    """Four TC-style contests in nominations: 3 approved for 1 seat; 1 approved and 1
    awaiting review for 2 seats; nobody; one rejected candidacy only."""
    team = scenario_team(name="Stats", slug="stats")
    people = [
        scenario_person(f"p{n}@stats.example.org", team=team, full_name=f"Person {n}")
        for n in range(6)
    ]
    election = scenario_election(official=official, slug="stats-2027")
    contests = {
        slug: election_actions.contest_create(
            election=election,
            actor=official,
            kind=ContestKind.TC,
            name=f"Seat {slug}",
            slug=slug,
            team=None,
            seats=seats,
        )
        for slug, seats in (("a", 1), ("b", 2), ("c", 1), ("d", 1))
    }
    election = scenario_move(election, Phase.NOMINATIONS, actor=official)
    for person in people[:3]:
        scenario_stand(contests["a"], person, reviewer=official)
    scenario_stand(contests["b"], people[3], reviewer=official)
    scenario_stand(contests["b"], people[4], reviewer=official, approve=None)
    scenario_stand(
        contests["d"], people[5], reviewer=official, approve=False, reason="not eligible"
    )
    return election, contests


def test_nomination_statistics_count_candidates_and_outcomes(
    official_client: Client, official: Any
) -> None:
    election, _ = _statistics_election(official)
    stats = election_dashboard(election, viewer=official).statistics
    by_contest = {
        row.contest.slug: (row.approved, row.submitted, row.outcome) for row in stats.rows
    }
    assert by_contest == {
        "a": (3, 0, "election"),
        "b": (1, 1, "acclaimed"),
        "c": (0, 0, "leaderless"),
        "d": (0, 0, "leaderless"),
    }
    assert (stats.approved, stats.submitted, stats.candidates) == (4, 1, 5)
    assert (stats.elections, stats.acclaimed, stats.leaderless) == (1, 1, 2)
    text = _text(official_client.get(_url(election)))
    assert "4 contests 4 1 5 1 election needed, 1 acclaimed, 2 leaderless" in text
    # What blocks the close of nominations: the review and the contests nobody stands in.
    assert "1 candidacy awaiting review" in text
    assert "Seat c has no candidate yet" in text and "Seat d has no candidate yet" in text


def test_reviewing_candidacies_from_the_dashboard(official_client: Client, official: Any) -> None:
    election, contests = _statistics_election(official)
    waiting = Candidacy.objects.get(contest=contests["b"], state="submitted")
    review = _url(election, "officials_candidacy_review", pk=waiting.pk)
    page = official_client.post(review, {"decision": "reject", "reason": ""}, follow=True)
    assert "Give the candidate a reason for the rejection." in _text(page)
    waiting.refresh_from_db()
    assert waiting.state == "submitted"
    page = official_client.post(review, {"decision": "approve"}, follow=True)
    waiting.refresh_from_db()
    assert waiting.state == "approved" and "approved." in _text(page)
    assert "Candidacies awaiting review" not in _text(page)
    # Once nominations close, the outcome is the settled one.
    scenario_move(election, Phase.POLLING, actor=official)
    stats = election_dashboard(election, viewer=official).statistics
    assert (stats.elections, stats.acclaimed, stats.leaderless) == (1, 1, 2)


def test_failed_mail_and_a_missing_ballot_key_block_with_a_link(
    official_client: Client, official: Any
) -> None:
    from elections.voting.keys import key_path
    from elections.voting.models import BallotBox

    scenario = scenario_build(official=official, slug="block-2027", phase=Phase.POLLING)
    failed = Notification.objects.filter(contest=scenario.contest)
    assert failed.exists()
    failed.update(state="failed")
    count = failed.count()
    key_path(BallotBox.objects.get(contest=scenario.contest).key_id).unlink()
    page = official_client.get(_url(scenario.election))
    text = _text(page)
    assert f"{count} e-mail{'s' if count != 1 else ''} failed." in text
    assert "the ballot box's key is missing" in text
    link = reverse("admin:elections_notification_changelist")
    assert f'href="{link}?state__exact=failed&amp;contest__election__id__exact=' in (
        page.content.decode()
    )
    page = official_client.post(_url(scenario.election, "officials_mail_retry"), follow=True)
    assert f"{count} e-mail" in _text(page) and "queued again" in _text(page)
    assert not Notification.objects.filter(contest=scenario.contest, state="failed").exists()


def test_strange_requests_get_4xx_never_500(official_client: Client, official: Any) -> None:
    scenario = scenario_build(official=official, slug="odd-2027", phase=Phase.TALLIED)
    other = scenario_build(official=official, slug="other-2027", phase=Phase.TALLIED)
    result = Result.objects.get(contest=other.contest)
    election = scenario.election
    assert official_client.get(_url(election, "officials_phase_move")).status_code == 405
    for pk in (0, 2**40, result.pk):  # none of them is a result of this election
        url = _url(election, "officials_result_publish", pk=pk)
        assert official_client.post(url).status_code == 404
    result.refresh_from_db()
    assert result.state == "draft"
    url = _url(election, "officials_candidacy_review", pk=2**31)
    assert official_client.post(url, {"decision": "approve"}).status_code == 404
    candidacy = scenario.contest.candidacies.first()
    review = _url(election, "officials_candidacy_review", pk=candidacy.pk)
    page = official_client.post(review, {"decision": "<script>", "reason": "\x00"}, follow=True)
    assert page.status_code == 200 and "<script>" not in page.content.decode()
    page = official_client.post(review, {"decision": "approve"}, follow=True)
    assert "Candidacies are reviewed while nominations are open." in _text(page)
    page = official_client.post(
        _url(election, "officials_phase_move"), {"to_phase": "\x00", "reason": "x"}, follow=True
    )
    assert page.status_code == 200


def test_the_panel_links_to_the_dashboard(official_client: Client, official: Any) -> None:
    scenario = scenario_build(official=official, slug="links-2027", phase=Phase.NOMINATIONS)
    url = _url(scenario.election)
    change = reverse("admin:elections_election_change", args=[scenario.election.pk])
    assert f'href="{url}"' in official_client.get(change).content.decode()
    index = official_client.get(reverse("admin:index")).content.decode()
    assert f'href="{url}"' in index and "Election dashboards" in index
    glance = reverse("admin:results_electionataglance_changelist")
    assert f'href="{url}"' in official_client.get(glance).content.decode()


def test_names_are_escaped(official_client: Client, official: Any) -> None:
    scenario = scenario_build(
        official=official,
        slug="xss-2027",
        phase=Phase.NOMINATIONS,
        candidates=("<img src=x onerror=alert(1)>", "Bob"),
        name="<script>alert(1)</script>",
    )
    body = official_client.get(_url(scenario.election)).content.decode()
    assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
