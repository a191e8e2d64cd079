"""The officials' panel: officials review and move phases; everyone else gets 403."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from elections import actions
from elections.models import CandidacyState, ContestKind, Election, Notification, Phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    make_user: Any,
    official: Any,
) -> dict[str, Any]:
    nova = make_team()
    contribute(nova, "alice@example.org")
    contribute(nova, "bob@example.org")
    alice, bob = make_user("alice@example.org"), make_user("bob@example.org")
    election = make_election()
    contest = make_contest(election, team=nova)
    community = make_contest(election, kind=ContestKind.COMMUNITY, name="Name", slug="name")
    option = actions.option_create(contest=community, actor=official, name="Zed")
    election = open_nominations(election)
    candidacies = [
        actions.candidacy_submit(contest=contest, candidate=person, platform="p")
        for person in (alice, bob)
    ]
    notification = Notification.objects.create(
        kind="candidacy_approved",
        recipient=alice,
        contest=contest,
        candidacy=candidacies[0],
        state="failed",
    )
    return {
        "election": election,
        "contest": contest,
        "candidacies": candidacies,
        "option": option,
        "notification": notification,
        "alice": alice,
    }


def _admin_requests(world: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every page and action of the elections admin: (method, url, data)."""
    election, contest = world["election"], world["contest"]
    candidacy_ids = [str(c.pk) for c in world["candidacies"]]
    requests: list[tuple[str, str, dict[str, Any]]] = []
    objects = {
        "elections_election": election.pk,
        "elections_contest": contest.pk,
        "elections_candidacy": world["candidacies"][0].pk,
        "audit_auditentry": AuditEntry.objects.first().pk,
        "elections_notification": world["notification"].pk,
    }
    for model, pk in objects.items():
        requests += [
            ("get", reverse(f"admin:{model}_changelist"), {}),
            ("get", reverse(f"admin:{model}_add"), {}),
            ("post", reverse(f"admin:{model}_add"), {"name": "x"}),
            ("get", reverse(f"admin:{model}_change", args=[pk]), {}),
            ("post", reverse(f"admin:{model}_change", args=[pk]), {"name": "x"}),
            ("get", reverse(f"admin:{model}_delete", args=[pk]), {}),
            ("post", reverse(f"admin:{model}_delete", args=[pk]), {"post": "yes"}),
            ("get", reverse(f"admin:{model}_history", args=[pk]), {}),
        ]
    changelist = reverse("admin:elections_candidacy_changelist")
    requests += [
        ("get", reverse("admin:elections_election_phase", args=[election.pk]), {}),
        (
            "post",
            reverse("admin:elections_election_phase", args=[election.pk]),
            {"to_phase": "campaigning", "reason": "sneaky"},
        ),
        ("post", changelist, {"action": "approve_selected", "_selected_action": candidacy_ids}),
        ("post", changelist, {"action": "reject_selected", "_selected_action": candidacy_ids}),
        (
            "post",
            changelist,
            {"action": "reject_selected", "_selected_action": candidacy_ids, "reason": "no"},
        ),
        (
            "post",
            reverse("admin:elections_notification_changelist"),
            {"action": "retry_selected", "_selected_action": [str(world["notification"].pk)]},
        ),
    ]
    return requests


def test_a_user_who_is_not_an_official_gets_403_on_every_admin_action(
    world: dict[str, Any], make_user: Any, client: Client
) -> None:
    """Staff without the officials' role (even with model permissions) may do nothing."""
    from django.contrib.auth.models import Permission

    staff = make_user("staff@example.org", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="elections"))
    client.force_login(staff)
    audit_before = AuditEntry.objects.count()
    table = [
        (method, url, getattr(client, method)(url, data).status_code)
        for method, url, data in _admin_requests(world)
    ]
    assert [row for row in table if row[2] != 403] == []
    assert len(table) == 46
    election = Election.objects.get(pk=world["election"].pk)
    assert election.phase == Phase.NOMINATIONS
    assert {c.state for c in election.contests.get(slug="nova").candidacies.all()} == {
        CandidacyState.SUBMITTED
    }
    assert AuditEntry.objects.count() == audit_before


def test_a_signed_in_non_staff_user_never_reaches_the_admin(
    world: dict[str, Any], make_user: Any, client: Client
) -> None:
    client.force_login(world["alice"])
    for method, url, data in _admin_requests(world):
        response = getattr(client, method)(url, data)
        # Django's admin sends non-staff accounts to its login page; nothing runs.
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("admin:login"))
    assert (
        world["candidacies"][0].__class__.objects.filter(state=CandidacyState.SUBMITTED).count()
        == 2
    )


def test_an_official_approves_in_bulk(world: dict[str, Any], official: Any, client: Client) -> None:
    client.force_login(official)
    response = client.post(
        reverse("admin:elections_candidacy_changelist"),
        {
            "action": "approve_selected",
            "_selected_action": [str(c.pk) for c in world["candidacies"]],
        },
    )
    assert response.status_code == 302
    assert {c.state for c in world["contest"].candidacies.all()} == {CandidacyState.APPROVED}
    assert AuditEntry.objects.filter(action="candidacy.review", actor=official).count() == 2


def test_a_bulk_rejection_asks_for_a_reason_first(
    world: dict[str, Any], official: Any, client: Client
) -> None:
    client.force_login(official)
    url = reverse("admin:elections_candidacy_changelist")
    selected = [str(c.pk) for c in world["candidacies"]]
    page = client.post(url, {"action": "reject_selected", "_selected_action": selected})
    assert page.status_code == 200 and "Reject with this reason" in page.content.decode()
    assert {c.state for c in world["contest"].candidacies.all()} == {CandidacyState.SUBMITTED}
    empty = client.post(
        url, {"action": "reject_selected", "_selected_action": selected, "reason": "   "}
    )
    assert "A rejection needs a reason" in empty.content.decode() or (
        "This field is required" in empty.content.decode()
    )
    client.post(
        url,
        {"action": "reject_selected", "_selected_action": selected, "reason": "Not on the roll."},
    )
    rejected = list(world["contest"].candidacies.all())
    assert {c.state for c in rejected} == {CandidacyState.REJECTED}
    assert {c.review_reason for c in rejected} == {"Not on the roll."}


def test_an_official_moves_the_phase_with_a_reason(
    world: dict[str, Any], official: Any, client: Client
) -> None:
    client.force_login(official)
    url = reverse("admin:elections_election_phase", args=[world["election"].pk])
    page = client.get(url).content.decode()
    assert "Campaigning" in page and "Polling" in page
    refused = client.post(url, {"to_phase": "campaigning", "reason": ""})
    assert refused.status_code == 200
    actions.option_create(
        contest=world["contest"].election.contests.get(slug="name"), actor=official, name="Alpha"
    )
    moved = client.post(url, {"to_phase": "campaigning", "reason": "All candidacies reviewed."})
    assert moved.status_code == 302
    entry = AuditEntry.objects.filter(action="election.phase_move").latest("pk")
    assert entry.actor == official and entry.detail["reason"] == "All candidacies reviewed."


def test_an_illegal_move_from_the_admin_shows_the_message(
    world: dict[str, Any], official: Any, client: Client
) -> None:
    client.force_login(official)
    url = reverse("admin:elections_election_phase", args=[world["election"].pk])
    # The community vote has one option: nominations cannot close yet.
    page = client.post(url, {"to_phase": "campaigning", "reason": "go"}).content.decode()
    assert "needs at least two options" in page
    assert Election.objects.get(pk=world["election"].pk).phase == Phase.NOMINATIONS


def test_an_official_creates_an_election_and_contest_from_the_admin(
    official: Any, client: Client
) -> None:
    client.force_login(official)
    response = client.post(
        reverse("admin:elections_election_add"),
        {
            "name": "2031.1 elections",
            "slug": "2031-1",
            "description": "",
            "nominations_opens_at_0": "2031-01-01",
            "nominations_opens_at_1": "00:00",
            "nominations_closes_at_0": "2031-01-15",
            "nominations_closes_at_1": "00:00",
            "polling_opens_at_0": "2031-01-22",
            "polling_opens_at_1": "00:00",
            "polling_closes_at_0": "2031-02-12",
            "polling_closes_at_1": "00:00",
            "window_start": "2030-01-01",
            "window_end": "2031-01-01",
            "auto_advance": "on",
            "contests-TOTAL_FORMS": "0",
            "contests-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    election = Election.objects.get(slug="2031-1")
    assert AuditEntry.objects.filter(action="election.create", actor=official).exists()
    response = client.post(
        reverse("admin:elections_contest_add"),
        {
            "election": election.pk,
            "kind": "tc",
            "name": "Technical Committee",
            "slug": "tc",
            "seats": "4",
            "method": "schulze",
            "tie_seed": "",
            "description": "",
            "options-TOTAL_FORMS": "0",
            "options-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contest = election.contests.get()
    assert contest.seats == 4 and len(contest.tie_seed) == 32


def test_a_too_short_calendar_is_refused_in_the_admin(official: Any, client: Client) -> None:
    client.force_login(official)
    response = client.post(
        reverse("admin:elections_election_add"),
        {
            "name": "Short",
            "slug": "short",
            "description": "",
            "nominations_opens_at_0": "2031-01-01",
            "nominations_opens_at_1": "00:00",
            "nominations_closes_at_0": "2031-01-05",
            "nominations_closes_at_1": "00:00",
            "polling_opens_at_0": "2031-01-05",
            "polling_opens_at_1": "00:00",
            "polling_closes_at_0": "2031-02-12",
            "polling_closes_at_1": "00:00",
            "window_start": "2030-01-01",
            "window_end": "2031-01-01",
            "contests-TOTAL_FORMS": "0",
            "contests-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Nominations must stay open at least 14 days" in response.content.decode()
    assert not Election.objects.filter(slug="short").exists()


def test_an_official_adds_options_to_a_community_vote_from_the_admin(
    world: dict[str, Any], official: Any, client: Client
) -> None:
    community = world["election"].contests.get(slug="name")
    client.force_login(official)
    url = reverse("admin:elections_contest_change", args=[community.pk])
    response = client.post(
        url,
        {
            "name": community.name,
            "description": "",
            "seats": "1",
            "method": "schulze",
            "max_per_affiliation": "",
            "tie_seed": community.tie_seed,
            "options-TOTAL_FORMS": "2",
            "options-INITIAL_FORMS": "1",
            "options-MIN_NUM_FORMS": "0",
            "options-MAX_NUM_FORMS": "1000",
            "options-0-id": str(world["option"].pk),
            "options-0-contest": str(community.pk),
            "options-0-name": "Zed",
            "options-0-description": "",
            "options-1-contest": str(community.pk),
            "options-1-name": "Yak",
            "options-1-description": "A sturdy animal.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(community.options.values_list("name", flat=True)) == ["Yak", "Zed"]
    assert AuditEntry.objects.filter(action="option.create", actor=official).count() == 2


def test_an_official_extends_polling_from_the_admin_during_nominations(
    world: dict[str, Any], official: Any, client: Client
) -> None:
    election = world["election"]
    client.force_login(official)
    url = reverse("admin:elections_election_change", args=[election.pk])
    later = election.polling_closes_at + datetime.timedelta(days=7)
    form = {
        "name": election.name,
        "slug": election.slug,
        "description": "",
        "nominations_closes_at_0": election.nominations_closes_at.strftime("%Y-%m-%d"),
        "nominations_closes_at_1": election.nominations_closes_at.strftime("%H:%M:%S"),
        "polling_opens_at_0": election.polling_opens_at.strftime("%Y-%m-%d"),
        "polling_opens_at_1": election.polling_opens_at.strftime("%H:%M:%S"),
        "polling_closes_at_0": later.strftime("%Y-%m-%d"),
        "polling_closes_at_1": later.strftime("%H:%M:%S"),
        "auto_advance": "on",
        # Disabled once nominations are open: a posted value is ignored.
        "window_start": "2000-01-01",
        "contests-TOTAL_FORMS": "2",
        "contests-INITIAL_FORMS": "2",
    }
    for index, contest in enumerate(election.contests.order_by("kind", "name")):
        form[f"contests-{index}-id"] = str(contest.pk)
        form[f"contests-{index}-election"] = str(election.pk)
    response = client.post(url, form, follow=True)
    assert response.status_code == 200
    assert "was changed successfully" in response.content.decode(), [
        str(m) for m in response.context["messages"]
    ]
    election.refresh_from_db()
    assert election.polling_closes_at.replace(microsecond=0) == later.replace(microsecond=0)
    assert election.window_start != datetime.date(2000, 1, 1)
    assert AuditEntry.objects.filter(action="election.update", actor=official).exists()
    # Naming the election's officials on the same form goes through their action, audited.
    form["officials"] = [str(official.pk)]
    response = client.post(url, form, follow=True)
    assert "was changed successfully" in response.content.decode()
    assert list(election.officials.all()) == [official]
    entry = AuditEntry.objects.get(action="election.officials", actor=official)
    assert entry.detail["to"] == [official.email]


def test_an_official_removes_a_draft_contest_but_not_one_under_way(
    world: dict[str, Any], official: Any, make_election: Any, make_contest: Any, client: Client
) -> None:
    draft = make_election(slug="draft-one")
    contest = make_contest(draft, kind=ContestKind.TC, seats=2)
    client.force_login(official)
    response = client.post(
        reverse("admin:elections_contest_delete", args=[contest.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not draft.contests.exists()
    assert AuditEntry.objects.filter(action="contest.delete", actor=official).exists()
    under_way = world["contest"]
    response = client.post(
        reverse("admin:elections_contest_delete", args=[under_way.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:elections_election_delete", args=[world["election"].pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:elections_election_delete", args=[draft.pk]), {"post": "yes"}
    )
    assert response.status_code == 302 and not Election.objects.filter(pk=draft.pk).exists()
