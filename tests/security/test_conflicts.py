"""An official who is a candidate: refused by every action on what they stand in, in the
admin as in code, while another official may do the same (the refusals are about the
conflict, not the request)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.actions import EligibilityError, voter_add, voter_exclude, voter_unexclude
from accounts.models import VoterExclusion
from accounts.roles import ensure_official_group
from audit.models import AuditEntry
from elections import actions
from elections.actions.errors import CandidacyRefused, ElectionError, IllegalPhaseMove
from elections.models import Candidacy, Contest, Election, Phase
from elections.results import actions as result_actions
from elections.results.models import Result
from tests.builders import World, build_counted_contest

pytestmark = pytest.mark.django_db

STANDS = "You stand as a candidate"


def _make_official(user: Any) -> Any:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(ensure_official_group())
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def candidate_official(world: World) -> Any:
    """The world's candidate (standing in the nominations, polling and published elections)
    made an official as well."""
    return _make_official(world.candidate)


@pytest.fixture
def rival_candidacy(world: World) -> Candidacy:
    contest = world.own_candidacy.contest
    return actions.candidacy_submit(
        contest=contest, candidate=world.rival, platform="Me too.", affiliation="Rival Inc"
    )


def test_every_action_on_what_they_stand_in_refuses_them(
    world: World, candidate_official: Any, rival_candidacy: Candidacy
) -> None:
    me = candidate_official
    nominations = world.own_candidacy.contest
    before = AuditEntry.objects.count()
    with pytest.raises(CandidacyRefused, match=STANDS):
        actions.candidacy_review(candidacy=rival_candidacy, reviewer=me, approve=False, reason="x")
    with pytest.raises(ElectionError, match=STANDS):
        actions.contest_update(contest=nominations, actor=me, tie_seed="favourable")
    with pytest.raises(ElectionError, match=STANDS):
        actions.contest_update(contest=nominations, actor=me, name="My contest")
    with pytest.raises(ElectionError, match=STANDS):
        actions.election_update(election=nominations.election, actor=me, description="mine")
    with pytest.raises(ElectionError, match=STANDS):
        actions.election_officials_set(election=world.polling_election, officials=[me], actor=me)
    with pytest.raises(IllegalPhaseMove, match=STANDS):
        actions.election_phase_move(
            election=world.polling_election, to_phase=Phase.CLOSED, actor=me, reason="early"
        )
    with pytest.raises(EligibilityError, match=STANDS):
        voter_add(email="friend@example.org", reason="a friend", team=world.team, created_by=me)
    with pytest.raises(EligibilityError, match=STANDS):
        voter_add(email="friend@example.org", reason="a friend", created_by=me)
    with pytest.raises(EligibilityError, match=STANDS):
        voter_exclude(email=world.elector.email, reason="votes for the rival", created_by=me)
    exclusion = voter_exclude(email="spam@example.org", reason="a bot", created_by=world.official)
    with pytest.raises(EligibilityError, match=STANDS):
        voter_unexclude(exclusion=exclusion, actor=me)
    with pytest.raises(result_actions.ResultError, match=STANDS):
        result_actions.result_unpublish(result=world.result, actor=me, reason="mine")
    with pytest.raises(result_actions.ResultError, match=STANDS):
        result_actions.contest_close_and_tally(contest=world.polling_contest, actor=me)
    # Nothing changed: the only new audit entry is the other official's exclusion.
    assert AuditEntry.objects.count() == before + 1
    rival_candidacy.refresh_from_db()
    assert rival_candidacy.state == "submitted"
    assert Election.objects.get(pk=world.polling_election.pk).phase == Phase.POLLING
    assert VoterExclusion.objects.filter(pk=exclusion.pk).exists()


def test_another_official_may_do_what_the_candidate_may_not(
    world: World, candidate_official: Any, rival_candidacy: Candidacy
) -> None:
    official = world.official
    actions.candidacy_review(candidacy=rival_candidacy, reviewer=official, approve=True)
    actions.contest_update(contest=world.own_candidacy.contest, actor=official, name="Nova lead")
    voter_add(email="friend@example.org", reason="joined", team=world.team, created_by=official)
    # And a candidate official may still act where they do not stand: a team of its own.
    from accounts.models import Team

    other = Team.objects.create(name="Swift", slug="swift")
    assert world.polling_contest.team_id == world.team.pk
    voter_add(email="someone@example.org", reason="docs", team=other, created_by=candidate_official)


def test_the_admin_shows_no_draft_result_of_their_own_contest(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    draft = build_counted_contest(
        official=world.official,
        team=world.team,
        candidates=[world.candidate, world.rival],
        voter=world.elector,
        capture_on_commit=django_capture_on_commit_callbacks,
        slug="draft-2026",
    )
    assert draft.state == "draft"
    candidate_official = _make_official(world.candidate)
    mine = Client()
    mine.force_login(candidate_official)
    listing = mine.get(reverse("admin:results_result_changelist")).content.decode()
    assert "draft-2026" not in listing and draft.contest.name not in listing
    assert mine.get(reverse("admin:results_result_change", args=[draft.pk])).status_code in (
        302,
        404,
    )
    # The published result is public anyway; another official sees the draft.
    theirs = Client()
    theirs.force_login(world.official)
    assert theirs.get(reverse("admin:results_result_change", args=[draft.pk])).status_code == 200


def test_no_admin_action_on_their_own_elections_changes_anything(
    world: World, candidate_official: Any, rival_candidacy: Candidacy
) -> None:
    """Every action of every admin, on every row of the elections they stand in, POSTed by
    the candidate official: refused (every change writes an audit entry; none is written)."""
    client = Client(raise_request_exception=False)
    client.force_login(candidate_official)
    request = RequestFactory().get("/")
    request.user = candidate_official
    theirs = Election.objects.filter(contests__candidacies__candidate=candidate_official)
    contests = Contest.objects.filter(election__in=theirs)
    rows = {
        Election: theirs.distinct(),
        Contest: contests,
        Candidacy: Candidacy.objects.filter(contest__in=contests),
        Result: Result.objects.filter(contest__in=contests),
    }
    before = AuditEntry.objects.count()
    tried = []
    for model, model_admin in admin.site._registry.items():
        mine = rows.get(model)
        if mine is None:
            # Proxies of those models (the elections at a glance) act on the same rows.
            concrete = model._meta.concrete_model
            mine = rows.get(concrete)
            if mine is None:
                continue
            mine = model.objects.filter(pk__in=mine.values("pk"))
        names = [name for name in model_admin.get_actions(request) if name != "delete_selected"]
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        selected = [str(pk) for pk in mine.values_list("pk", flat=True)]
        for name in names:
            tried.append(f"{model.__name__}.{name}")
            response = client.post(
                changelist,
                {"action": name, "_selected_action": selected, "reason": "mine", "post": "yes"},
                follow=True,
            )
            assert response.status_code < 500, (model.__name__, name)
    assert len(tried) >= 6, tried
    assert AuditEntry.objects.count() == before, list(
        AuditEntry.objects.order_by("-pk").values_list("action", flat=True)[:5]
    )


def test_every_admin_page_answers_the_candidate_official_without_failing(
    world: World, candidate_official: Any
) -> None:
    from tests.security.test_authorization import _sample_path
    from tests.security.urlwalk import all_routes

    client = Client(raise_request_exception=False)
    client.force_login(candidate_official)
    failures = []
    pages = 0
    for route in all_routes():
        if not route.is_admin:
            continue
        pages += 1
        response = client.get(_sample_path(route))
        if response.status_code >= 500:
            failures.append(f"{route.name}: {response.status_code}")
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        if client.get(url).status_code >= 500:
            failures.append(url)
    assert pages > 20 and not failures, failures
