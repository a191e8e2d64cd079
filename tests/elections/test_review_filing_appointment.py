"""Two-official approval of candidacies, candidacies filed by an official for someone, and
appointments to contests nobody stood in: the actions, the officials' panel and the pages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import ensure_official_group
from audit.models import AuditEntry
from elections import actions
from elections.actions.errors import CandidacyRefused, ElectionError
from elections.models import Appointment, CandidacyState, ContestState
from elections.scenarios import scenario_move

pytestmark = pytest.mark.django_db


def _make_official(user: Any) -> Any:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(ensure_official_group())
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def second_official(make_user: Any) -> Any:
    user = make_user("second@example.org", full_name="Sam Second", is_staff=True)
    user.groups.add(ensure_official_group())
    return user


@pytest.fixture
def nova_contest(
    make_team: Any, make_election: Any, make_contest: Any, open_nominations: Any, contribute: Any
) -> Any:
    """A Nova PTL contest in an election needing two officials; alice and bob contributed."""
    nova = make_team("Nova", "nova")
    for email in ("alice@example.org", "bob@example.org"):
        contribute(nova, email)
    election = make_election(two_official_approval=True)
    contest = make_contest(election, team=nova)
    open_nominations(election)
    contest.refresh_from_db()
    return contest


@pytest.fixture
def alice_candidacy(nova_contest: Any, make_user: Any) -> Any:
    alice = make_user("alice@example.org", full_name="Alice Able")
    return actions.candidacy_submit(contest=nova_contest, candidate=alice, platform="Hello.")


# --- Two-official approval -------------------------------------------------------------------


def test_a_candidacy_is_approved_only_when_a_second_official_confirms(
    alice_candidacy: Any, official: Any, second_official: Any
) -> None:
    proposed = actions.candidacy_propose_approval(candidacy=alice_candidacy, official=official)
    assert proposed.state == CandidacyState.SUBMITTED  # not yet
    assert proposed.approval_proposed_by == official
    approved = actions.candidacy_review(
        candidacy=alice_candidacy, reviewer=second_official, approve=True
    )
    assert approved.state == CandidacyState.APPROVED
    assert approved.reviewed_by == second_official
    proposal = AuditEntry.objects.get(action="candidacy.propose_approval")
    confirmation = AuditEntry.objects.get(action="candidacy.review")
    assert proposal.actor == official and confirmation.actor == second_official
    assert confirmation.detail["proposed_by"] == official.pk


def test_the_official_who_proposed_cannot_confirm(alice_candidacy: Any, official: Any) -> None:
    actions.candidacy_propose_approval(candidacy=alice_candidacy, official=official)
    with pytest.raises(CandidacyRefused, match="different official confirms"):
        actions.candidacy_review(candidacy=alice_candidacy, reviewer=official, approve=True)
    alice_candidacy.refresh_from_db()
    assert alice_candidacy.state == CandidacyState.SUBMITTED
    assert not AuditEntry.objects.filter(action="candidacy.review").exists()


def test_approving_without_a_proposal_is_refused(alice_candidacy: Any, official: Any) -> None:
    with pytest.raises(CandidacyRefused, match="propose the approval"):
        actions.candidacy_review(candidacy=alice_candidacy, reviewer=official, approve=True)


def test_an_official_who_stands_in_the_contest_can_neither_propose_nor_confirm(
    alice_candidacy: Any, nova_contest: Any, official: Any, make_user: Any
) -> None:
    bob = make_user("bob@example.org")
    actions.candidacy_submit(contest=nova_contest, candidate=bob, platform="Me too.")
    bob = _make_official(bob)
    with pytest.raises(CandidacyRefused, match="You stand as a candidate"):
        actions.candidacy_propose_approval(candidacy=alice_candidacy, official=bob)
    actions.candidacy_propose_approval(candidacy=alice_candidacy, official=official)
    with pytest.raises(CandidacyRefused, match="You stand as a candidate"):
        actions.candidacy_review(candidacy=alice_candidacy, reviewer=bob, approve=True)


def test_one_official_rejects_with_a_reason_and_the_proposal_is_dropped(
    alice_candidacy: Any, official: Any, second_official: Any
) -> None:
    actions.candidacy_propose_approval(candidacy=alice_candidacy, official=official)
    with pytest.raises(CandidacyRefused, match="reason"):
        actions.candidacy_review(candidacy=alice_candidacy, reviewer=second_official, approve=False)
    rejected = actions.candidacy_review(
        candidacy=alice_candidacy, reviewer=second_official, approve=False, reason="Wrong team."
    )
    assert rejected.state == CandidacyState.REJECTED
    assert rejected.approval_proposed_by is None


def test_editing_the_platform_withdraws_a_proposal(
    alice_candidacy: Any, official: Any, second_official: Any
) -> None:
    actions.candidacy_propose_approval(candidacy=alice_candidacy, official=official)
    actions.candidacy_edit(
        candidacy=alice_candidacy,
        actor=alice_candidacy.candidate,
        platform="Something else entirely.",
        affiliation="",
    )
    with pytest.raises(CandidacyRefused, match="propose the approval"):
        actions.candidacy_review(candidacy=alice_candidacy, reviewer=second_official, approve=True)


def test_the_panel_shows_who_proposed_and_lets_another_official_confirm(
    alice_candidacy: Any, official: Any, second_official: Any, client: Client
) -> None:
    changelist = reverse("admin:elections_candidacy_changelist")
    client.force_login(official)
    client.post(
        changelist, {"action": "propose_selected", "_selected_action": [alice_candidacy.pk]}
    )
    assert "proposed by you: awaiting another official" in client.get(changelist).content.decode()
    response = client.post(
        changelist,
        {"action": "approve_selected", "_selected_action": [alice_candidacy.pk]},
        follow=True,
    )
    assert "different official confirms" in response.content.decode()
    alice_candidacy.refresh_from_db()
    assert alice_candidacy.state == CandidacyState.SUBMITTED

    client.force_login(second_official)
    page = client.get(changelist).content.decode()
    assert "confirm with “Approve”" in page
    client.post(
        changelist, {"action": "approve_selected", "_selected_action": [alice_candidacy.pk]}
    )
    alice_candidacy.refresh_from_db()
    assert alice_candidacy.state == CandidacyState.APPROVED


def test_with_the_setting_off_one_official_still_approves(
    make_team: Any,
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    contribute: Any,
    make_user: Any,
    official: Any,
) -> None:
    nova = make_team("Nova", "nova")
    contribute(nova, "alice@example.org")
    election = make_election()
    contest = make_contest(election, team=nova)
    open_nominations(election)
    alice = make_user("alice@example.org")
    candidacy = actions.candidacy_submit(contest=contest, candidate=alice, platform="Hi.")
    with pytest.raises(CandidacyRefused, match="One official approves"):
        actions.candidacy_propose_approval(candidacy=candidacy, official=official)
    approved = actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=True)
    assert approved.state == CandidacyState.APPROVED


# --- Filed by an official --------------------------------------------------------------------


def test_an_official_files_a_candidacy_for_someone_with_a_reason(
    nova_contest: Any, official: Any, make_user: Any, client: Client
) -> None:
    alice = make_user("alice@example.org", full_name="Alice Able")
    with pytest.raises(CandidacyRefused, match="Say why"):
        actions.candidacy_file_for(
            contest=nova_contest, candidate=alice, official=official, reason=" ", platform="P"
        )
    candidacy = actions.candidacy_file_for(
        contest=nova_contest,
        candidate=alice,
        official=official,
        reason="Mailed to the officials on 2027-01-10.",
        platform="I will keep Nova stable.",
    )
    assert candidacy.state == CandidacyState.SUBMITTED and candidacy.candidate == alice
    assert candidacy.filed_by == official
    entry = AuditEntry.objects.get(action="candidacy.file_for")
    assert entry.actor == official and entry.detail["reason"].startswith("Mailed")
    page = client.get(nova_contest.get_absolute_url()).content.decode()
    assert (
        "Alice Able" in page and "Filed on the candidate's behalf by an election official" in page
    )


def test_filing_for_someone_who_cannot_stand_is_refused(
    nova_contest: Any, official: Any, make_user: Any
) -> None:
    erin = make_user("erin@example.org")  # never contributed to Nova
    with pytest.raises(CandidacyRefused, match="not on the roll"):
        actions.candidacy_file_for(
            contest=nova_contest, candidate=erin, official=official, reason="Mailed.", platform="P"
        )


def test_an_official_who_stands_cannot_file_for_a_rival(nova_contest: Any, make_user: Any) -> None:
    bob = make_user("bob@example.org")
    actions.candidacy_submit(contest=nova_contest, candidate=bob, platform="Me.")
    bob = _make_official(bob)
    alice = make_user("alice@example.org")
    with pytest.raises(CandidacyRefused, match="You stand as a candidate"):
        actions.candidacy_file_for(
            contest=nova_contest, candidate=alice, official=bob, reason="Mailed.", platform="P"
        )


def test_the_panel_files_a_candidacy_for_someone(
    nova_contest: Any, official: Any, make_user: Any, client: Client
) -> None:
    alice = make_user("alice@example.org")
    client.force_login(official)
    url = reverse("admin:elections_candidacy_add")
    assert "File a candidacy for someone" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "contest": nova_contest.pk,
            "candidate_email": "alice@example.org",
            "reason": "Sent by mail.",
            "platform": "Stability first.",
            "affiliation": "",
        },
    )
    assert response.status_code == 302
    candidacy = nova_contest.candidacies.get(candidate=alice)
    assert candidacy.filed_by == official and candidacy.filing_reason == "Sent by mail."


# --- Appointments ----------------------------------------------------------------------------


@pytest.fixture
def leaderless(
    make_team: Any, make_election: Any, make_contest: Any, open_nominations: Any, official: Any
) -> Any:
    """A Swift PTL contest nobody stood in, settled when polling opened."""
    swift = make_team("Swift", "swift")
    election = make_election(slug="2027-2")
    contest = make_contest(election, team=swift)
    open_nominations(election)
    scenario_move(election, "polling", actor=official, reason="test: settle")
    contest.refresh_from_db()
    assert contest.state == ContestState.APPOINTMENT_NEEDED
    return contest


def test_an_official_records_who_the_tc_appointed(
    leaderless: Any, official: Any, make_user: Any, client: Client
) -> None:
    carol = make_user("carol@example.org", full_name="Carol Core")
    appointment = actions.contest_record_appointment(
        contest=leaderless,
        actor=official,
        appointee=carol,
        appointed_by="the Technical Committee",
        appointed_on=datetime.date(2027, 3, 1),
        reference="https://review.example.org/c/governance/+/1",
    )
    assert str(appointment) == "appointed: Carol Core by the Technical Committee"
    entry = AuditEntry.objects.get(action="contest.appointment")
    assert entry.actor == official and entry.detail["appointee"] == carol.pk
    page = client.get(leaderless.get_absolute_url()).content.decode()
    assert "Appointed: <strong>Carol Core</strong> by the Technical Committee" in page
    api = client.get(
        reverse("api_contest", args=[leaderless.election.slug, leaderless.slug])
    ).json()
    contest_json = api.get("contest", api)
    assert contest_json["appointment"]["outcome"] == (
        "appointed: Carol Core by the Technical Committee"
    )


def test_an_appointment_is_refused_where_someone_stood(
    nova_contest: Any, official: Any, make_user: Any
) -> None:
    with pytest.raises(ElectionError, match="only a contest nobody stood in"):
        actions.contest_record_appointment(
            contest=nova_contest,
            actor=official,
            appointee=make_user("carol@example.org"),
            appointed_by="the TC",
            appointed_on=datetime.date(2027, 3, 1),
        )
    assert not Appointment.objects.exists()


def test_the_panel_records_an_appointment(
    leaderless: Any, official: Any, make_user: Any, client: Client
) -> None:
    carol = make_user("carol@example.org")
    client.force_login(official)
    response = client.post(
        reverse("admin:elections_appointment_add"),
        {
            "contest": leaderless.pk,
            "appointee": carol.pk,
            "appointed_by": "the Technical Committee",
            "appointed_on": "2027-03-01",
            "reference": "",
        },
    )
    assert response.status_code == 302
    assert leaderless.appointment.appointee == carol
    assert AuditEntry.objects.filter(action="contest.appointment", actor=official).count() == 1
