"""Who may stand, edit and withdraw, and what the candidate and the public see."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from elections import actions
from elections.models import CandidacyState, ContestKind, Phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def nova(make_team: Any) -> Any:
    return make_team("Nova", "nova")


@pytest.fixture
def ptl_contest(
    make_election: Any, make_contest: Any, open_nominations: Any, nova: Any, contribute: Any
) -> Any:
    """A Nova PTL contest with nominations open; alice contributed to Nova."""
    contribute(nova, "alice@example.org")
    contribute(nova, "carol@old.example.net")
    election = make_election()
    contest = make_contest(election, team=nova)
    open_nominations(election)
    contest.refresh_from_db()
    return contest


def test_an_eligible_contributor_can_stand(ptl_contest: Any, make_user: Any) -> None:
    alice = make_user("alice@example.org")
    candidacy = actions.candidacy_submit(
        contest=ptl_contest, candidate=alice, platform="I **care**.", affiliation="ACME"
    )
    assert candidacy.state == CandidacyState.SUBMITTED
    assert candidacy.platform_html == "<p>I <strong>care</strong>.</p>"
    assert AuditEntry.objects.filter(action="candidacy.submit", actor=alice).exists()


def test_the_stand_page_submits_a_candidacy(
    ptl_contest: Any, make_user: Any, client: Client
) -> None:
    client.force_login(make_user("alice@example.org"))
    url = reverse("candidacy_submit", args=[ptl_contest.election.slug, ptl_contest.slug])
    response = client.post(url, {"platform": "Hello <script>x()</script>", "affiliation": ""})
    assert response.status_code == 302
    page = client.get(ptl_contest.get_absolute_url()).content.decode()
    assert "Submitted, awaiting review" in page
    assert "&lt;script&gt;" in page and "<script>x()" not in page


def test_an_ineligible_user_is_told_why(ptl_contest: Any, make_user: Any, client: Client) -> None:
    erin = make_user("erin@example.org")
    with pytest.raises(actions.CandidacyRefused, match="not on the roll"):
        actions.candidacy_submit(contest=ptl_contest, candidate=erin, platform="x")
    client.force_login(erin)
    url = reverse("candidacy_submit", args=[ptl_contest.election.slug, ptl_contest.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert "none of your verified e-mail addresses contributed to the Nova team" in (
        page.content.decode()
    )
    assert client.post(url, {"platform": "x"}).status_code == 403


def test_an_unverified_address_does_not_make_a_candidate(ptl_contest: Any, make_user: Any) -> None:
    from allauth.account.models import EmailAddress

    carol = make_user("carol@example.org", unverified=("carol@old.example.net",))
    with pytest.raises(
        actions.CandidacyRefused,
        match="address carol@old.example.net is not verified: verify it",
    ):
        actions.candidacy_submit(contest=ptl_contest, candidate=carol, platform="x")
    # Once verified, the address that contributed is on the frozen roll.
    EmailAddress.objects.filter(email="carol@old.example.net").update(verified=True)
    actions.candidacy_submit(contest=ptl_contest, candidate=carol, platform="x")


def test_an_official_cannot_stand_in_an_election_they_administer(
    ptl_contest: Any, make_user: Any
) -> None:
    from accounts.roles import ensure_official_group

    alice = make_user("alice@example.org", is_staff=True)
    alice.groups.add(ensure_official_group())
    with pytest.raises(actions.CandidacyRefused, match="officials cannot stand"):
        actions.candidacy_submit(contest=ptl_contest, candidate=alice, platform="x")


def test_an_official_of_another_election_may_stand(
    ptl_contest: Any, make_user: Any, official: Any
) -> None:
    from accounts.roles import ensure_official_group

    ptl_contest.election.officials.add(official)
    alice = make_user("alice@example.org", is_staff=True)
    alice.groups.add(ensure_official_group())
    actions.candidacy_submit(contest=ptl_contest, candidate=alice, platform="x")


def test_nobody_stands_outside_nominations(
    make_election: Any, make_contest: Any, nova: Any, make_user: Any
) -> None:
    contest = make_contest(make_election(), team=nova)
    with pytest.raises(actions.CandidacyRefused, match="Nominations are not open"):
        actions.candidacy_submit(
            contest=contest, candidate=make_user("alice@example.org"), platform="x"
        )


def test_a_candidate_edits_and_withdraws_and_may_stand_again(
    ptl_contest: Any, make_user: Any
) -> None:
    alice = make_user("alice@example.org")
    candidacy = actions.candidacy_submit(contest=ptl_contest, candidate=alice, platform="v1")
    with pytest.raises(actions.CandidacyRefused, match="already stand"):
        actions.candidacy_submit(contest=ptl_contest, candidate=alice, platform="again")
    actions.candidacy_edit(candidacy=candidacy, actor=alice, platform="v2 *new*", affiliation="Foo")
    candidacy.refresh_from_db()
    assert candidacy.platform_html == "<p>v2 <em>new</em></p>" and candidacy.affiliation == "Foo"
    actions.candidacy_withdraw(candidacy=candidacy, actor=alice)
    candidacy.refresh_from_db()
    assert candidacy.state == CandidacyState.WITHDRAWN
    assert ptl_contest.ballot_choices() == []
    with pytest.raises(actions.CandidacyRefused):
        actions.candidacy_edit(candidacy=candidacy, actor=alice, platform="v3", affiliation="")
    again = actions.candidacy_submit(contest=ptl_contest, candidate=alice, platform="back")
    assert again.pk == candidacy.pk and again.state == CandidacyState.SUBMITTED


def test_someone_else_cannot_edit_or_withdraw_a_candidacy(
    ptl_contest: Any, make_user: Any, contribute: Any, nova: Any, client: Client
) -> None:
    alice = make_user("alice@example.org")
    candidacy = actions.candidacy_submit(contest=ptl_contest, candidate=alice, platform="mine")
    client.force_login(make_user("bob@example.org"))
    assert client.get(reverse("candidacy_edit", args=[candidacy.pk])).status_code == 404
    assert client.post(reverse("candidacy_withdraw", args=[candidacy.pk])).status_code == 404
    with pytest.raises(actions.CandidacyRefused):
        actions.candidacy_withdraw(candidacy=candidacy, actor=make_user("x@example.org"))
    candidacy.refresh_from_db()
    assert candidacy.state == CandidacyState.SUBMITTED


def test_the_candidate_sees_the_decision_and_reason(
    ptl_contest: Any, make_user: Any, official: Any, client: Client
) -> None:
    alice = make_user("alice@example.org")
    candidacy = actions.candidacy_submit(contest=ptl_contest, candidate=alice, platform="p")
    actions.candidacy_review(
        candidacy=candidacy,
        reviewer=official,
        approve=False,
        reason="Your platform is empty of content.",
    )
    client.force_login(alice)
    page = client.get(reverse("my_candidacies")).content.decode()
    assert "Rejected" in page and "Your platform is empty of content." in page
    assert (
        "Your platform is empty of content."
        in client.get(ptl_contest.get_absolute_url()).content.decode()
    )


def test_a_rejection_needs_a_reason(ptl_contest: Any, make_user: Any, official: Any) -> None:
    candidacy = actions.candidacy_submit(
        contest=ptl_contest, candidate=make_user("alice@example.org"), platform="p"
    )
    with pytest.raises(actions.CandidacyRefused, match="reason"):
        actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=False, reason=" ")


def test_community_votes_take_options_not_candidates(
    make_election: Any, make_contest: Any, official: Any, make_user: Any, open_nominations: Any
) -> None:
    election = make_election()
    contest = make_contest(
        election, kind=ContestKind.COMMUNITY, name="Release name", slug="release-name"
    )
    first = actions.option_create(contest=contest, actor=official, name="Zed")
    second = actions.option_create(contest=contest, actor=official, name="Alpha")
    assert open_nominations(election).phase == Phase.NOMINATIONS
    choices = contest.ballot_choices()
    assert [c.key for c in choices] == sorted([f"option-{first.pk}", f"option-{second.pk}"])
    with pytest.raises(actions.CandidacyRefused, match="options, not candidates"):
        actions.candidacy_submit(
            contest=contest, candidate=make_user("a@example.org"), platform="x"
        )
