"""A team none of whose repositories was ever ingested would get an empty roll, not for want
of contributors but for want of data: opening nominations refuses it, naming the teams, from
the action, the officials' dashboard, the admin and ``manage.py election``, unless an
official forces it with a reason, which the audit log keeps."""

from __future__ import annotations

import datetime
import re
from html import unescape
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEntry
from elections import actions
from elections.actions import elections_advance
from elections.models import ContestKind, Election, Phase

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(unescape(body).split())


@pytest.fixture
def election(make_election: Any, make_contest: Any, make_team: Any, contribute: Any) -> Election:
    nova = make_team("Nova", "nova")
    contribute(nova, "ann@example.org")
    election = make_election()
    make_contest(election, team=nova)
    make_contest(election, team=make_team("Zaqar", "zaqar", ingested=False))
    make_contest(election, team=make_team("Aodh", "aodh", ingested=False))
    make_contest(election, kind=ContestKind.TC, seats=2)
    return election


def _phase(election: Election) -> str:
    election.refresh_from_db()
    return election.phase


def test_opening_nominations_refuses_teams_never_ingested_and_names_them(
    election: Election, official: Any
) -> None:
    with pytest.raises(actions.IllegalPhaseMove) as refused:
        actions.election_phase_move(
            election=election, to_phase=Phase.NOMINATIONS, actor=official, reason="open"
        )
    assert "The rolls of Aodh, Zaqar would be empty" in str(refused.value)
    assert "Nova" not in str(refused.value)
    assert _phase(election) == Phase.DRAFT
    assert not election.contests.filter(nomination_roll__isnull=False).exists()


def test_a_team_whose_repository_has_contributions_is_not_refused(
    election: Election, official: Any, contribute: Any
) -> None:
    from accounts.models import Team

    for team in Team.objects.filter(slug__in=["zaqar", "aodh"]):
        contribute(team, "bea@example.org")  # stored by a Gerrit ingest: no git state
    actions.election_phase_move(
        election=election, to_phase=Phase.NOMINATIONS, actor=official, reason="open"
    )
    assert _phase(election) == Phase.NOMINATIONS


def test_an_official_forces_empty_rolls_with_a_reason_and_it_is_audited(
    election: Election, official: Any
) -> None:
    actions.election_phase_move(
        election=election,
        to_phase=Phase.NOMINATIONS,
        actor=official,
        reason="calendar",
        force_empty_rolls="Zaqar and Aodh are retiring; no election wanted",
    )
    assert _phase(election) == Phase.NOMINATIONS
    zaqar = election.contests.get(team__slug="zaqar")
    assert zaqar.nomination_roll.size == 0
    entry = AuditEntry.objects.filter(action="election.phase_move").latest("pk")
    assert entry.detail["empty_rolls_forced"] == {
        "teams": ["Aodh", "Zaqar"],
        "reason": "Zaqar and Aodh are retiring; no election wanted",
    }
    assert entry.actor_id == official.pk


def test_the_scheduler_cannot_force_and_leaves_the_election_in_draft(
    election: Election,
) -> None:
    moves = elections_advance(now=election.nominations_opens_at + datetime.timedelta(minutes=1))
    assert moves == [] and _phase(election) == Phase.DRAFT
    with pytest.raises(actions.IllegalPhaseMove, match="Only an official"):
        actions.election_phase_move(
            election=election,
            to_phase=Phase.NOMINATIONS,
            actor=None,
            reason="",
            force_empty_rolls="no",
        )


def test_the_dashboard_names_the_teams_and_refuses_unless_forced(
    election: Election, official: Any, client: Any
) -> None:
    client.force_login(official)
    dashboard = reverse("officials_dashboard", kwargs={"slug": election.slug})
    page = _text(client.get(dashboard))
    assert "The rolls of Aodh, Zaqar would be empty" in page
    move = reverse("officials_phase_move", kwargs={"slug": election.slug})
    page = _text(client.post(move, {"to_phase": "nominations", "reason": "open"}, follow=True))
    assert "The rolls of Aodh, Zaqar would be empty" in page and "force" in page
    assert _phase(election) == Phase.DRAFT
    client.post(
        move,
        {"to_phase": "nominations", "reason": "open", "force_empty_rolls": "retiring teams"},
    )
    assert _phase(election) == Phase.NOMINATIONS
    entry = AuditEntry.objects.filter(action="election.phase_move").latest("pk")
    assert entry.detail["empty_rolls_forced"]["reason"] == "retiring teams"


def test_the_admin_phase_move_refuses_unless_forced(
    election: Election, official: Any, client: Any
) -> None:
    official.is_superuser = True
    official.save(update_fields=["is_superuser"])
    client.force_login(official)
    url = reverse("admin:elections_election_phase", args=[election.pk])
    page = _text(client.post(url, {"to_phase": "nominations", "reason": "open"}))
    assert "The rolls of Aodh, Zaqar would be empty" in page
    assert _phase(election) == Phase.DRAFT
    client.post(url, {"to_phase": "nominations", "reason": "open", "force_empty_rolls": "ok"})
    assert _phase(election) == Phase.NOMINATIONS


def test_manage_py_election_phase_refuses_unless_forced(election: Election, official: Any) -> None:
    base = [election.slug, "--actor", official.email, "phase", "nominations", "--reason", "open"]
    with pytest.raises(CommandError, match="The rolls of Aodh, Zaqar would be empty"):
        call_command("election", *base, stdout=StringIO())
    assert _phase(election) == Phase.DRAFT
    out = StringIO()
    call_command("election", *base, "--force-empty-rolls", "retiring teams", stdout=out)
    assert "Nominations" in out.getvalue() and _phase(election) == Phase.NOMINATIONS
