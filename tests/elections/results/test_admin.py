"""The officials' panel for results: who may publish, unpublish and re-run tallies."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from accounts.roles import ensure_official_group
from elections.results import actions
from elections.results.models import Result, TallyRun
from tests.conftest import enrol_authenticator_app

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:results_result_changelist"


@pytest.fixture
def tallied(polled_contest: Any, django_capture_on_commit_callbacks: Any) -> Result:
    contest = polled_contest()
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    return Result.objects.get(contest=contest)


def act(client: Client, action: str, result: Result, **extra: str) -> Any:
    return client.post(
        reverse(CHANGELIST),
        {"action": action, ACTION_CHECKBOX_NAME: [str(result.pk)], **extra},
        follow=True,
    )


def test_an_official_publishes_and_unpublishes_with_a_reason(
    tallied: Result, official: Any, client: Client
) -> None:
    client.force_login(official)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    act(client, "publish_selected", tallied)
    tallied.refresh_from_db()
    assert tallied.state == "published"
    # Without a reason the action shows the form asking for one and changes nothing.
    page = client.post(
        reverse(CHANGELIST),
        {"action": "unpublish_selected", ACTION_CHECKBOX_NAME: [str(tallied.pk)]},
    )
    assert b"Unpublish with this reason" in page.content
    tallied.refresh_from_db()
    assert tallied.state == "published"
    act(client, "unpublish_selected", tallied, reason="The roll missed a team")
    tallied.refresh_from_db()
    assert tallied.state == "draft" and tallied.unpublish_reason == "The roll missed a team"


def test_non_officials_get_403_on_every_page_and_action(
    tallied: Result, make_user: Any, client: Client
) -> None:
    staff = make_user("staff@example.org", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(reverse("admin:results_tallyrun_changelist")).status_code == 403
    response = client.post(
        reverse(CHANGELIST),
        {"action": "publish_selected", ACTION_CHECKBOX_NAME: [str(tallied.pk)]},
    )
    assert response.status_code == 403
    tallied.refresh_from_db()
    assert tallied.state == "draft"


def test_an_official_who_stands_in_the_contest_cannot_act_on_it(
    tallied: Result, client: Client, official: Any
) -> None:
    # A candidate who became an official after standing.
    candidate = tallied.contest.candidacies.first().candidate
    candidate.is_staff = True
    candidate.save(update_fields=["is_staff"])
    candidate.groups.add(ensure_official_group())
    enrol_authenticator_app(candidate)  # as every official must (accounts/two_factor.py)
    client.force_login(candidate)
    # The draft of their own contest is not even among the rows the panel shows them.
    listing = client.get(reverse("admin:results_result_changelist")).content.decode()
    assert tallied.contest.name not in listing
    runs = TallyRun.objects.count()
    act(client, "publish_selected", tallied)
    act(client, "rerun_selected", tallied)
    tallied.refresh_from_db()
    assert tallied.state == "draft" and TallyRun.objects.count() == runs
    # Another official publishes it; the conflicted one cannot take it down either.
    actions.result_publish(result=tallied, actor=official)
    page = act(client, "unpublish_selected", tallied, reason="mine").content.decode()
    assert "stand as a candidate" in page
    tallied.refresh_from_db()
    assert tallied.state == "published"


def test_an_official_re_runs_a_tally_and_follows_its_progress(
    tallied: Result, official: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(official)
    with django_capture_on_commit_callbacks(execute=True):
        act(client, "rerun_selected", tallied)
    # Same ballots: the re-run finds the stored result instead of adding one.
    assert Result.objects.filter(contest=tallied.contest).count() == 1
    runs = TallyRun.objects.filter(contest=tallied.contest)
    assert runs.count() == 2 and all(run.result_id == tallied.pk for run in runs)
    page = client.get(reverse("admin:results_tallyrun_changelist")).content.decode()
    assert "Done" in page


def test_elections_at_a_glance_show_phase_ballots_and_turnout_to_officials_only(
    tallied: Result, official: Any, make_user: Any, make_election: Any, client: Client
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:results_electionataglance_changelist")
    client.force_login(make_user("nosy@example.org", is_staff=True))
    assert client.get(url).status_code == 403
    client.force_login(official)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    election = tallied.contest.election
    assert election.name in page and "Tallied" in page
    # 3 ballots out of 3 candidates + 3 voters + 1 who did not vote.
    assert "42.9%" in page
    make_election(slug="another")
    make_election(slug="and-another")
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    assert len(three.captured_queries) == len(one.captured_queries)


def test_an_official_tallies_the_closed_polls_of_an_election_from_the_overview(
    polled_contest: Any, official: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    contest = polled_contest()
    client.force_login(official)
    url = reverse("admin:results_electionataglance_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {"action": "tally_closed_polls", ACTION_CHECKBOX_NAME: [str(contest.election_id)]},
        )
    assert Result.objects.filter(contest=contest).count() == 1
    page = client.post(
        url,
        {"action": "tally_closed_polls", ACTION_CHECKBOX_NAME: [str(contest.election_id)]},
        follow=True,
    ).content.decode()
    assert "No closed poll awaits its tally" in page
