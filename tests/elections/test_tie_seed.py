"""The tie-break seed is committed, then revealed (OpenStack charter: ties broken by a public
draw). Its SHA-256 is public from the opening of nominations, when the seed stops changing;
the seed itself is shown nowhere (pages, API, feeds, the officials' panel, the audit log)
until the contest's result is published."""

from __future__ import annotations

import hashlib
import importlib
import json
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from elections import actions
from elections.models import Contest, ContestKind
from tests.builders import build_counted_contest, build_world

pytestmark = pytest.mark.django_db


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _audit_text(contest: Contest) -> str:
    return json.dumps([entry.detail for entry in AuditEntry.objects.all()])


@pytest.fixture
def draft_contest(make_election: Any, make_contest: Any) -> Contest:
    return make_contest(make_election(), kind=ContestKind.TC, seats=2)


def test_a_new_contest_commits_to_a_random_seed_and_audits_only_its_hash(
    draft_contest: Contest,
) -> None:
    seed = draft_contest.tie_seed
    assert len(seed) == 32 and int(seed, 16) >= 0  # 128 random bits, hex
    assert draft_contest.tie_seed_sha256 == _sha256(seed)
    created = AuditEntry.objects.get(action="contest.create")
    assert created.detail["tie_seed_sha256"] == _sha256(seed)
    assert seed not in _audit_text(draft_contest)


def test_the_seed_can_be_set_or_drawn_again_while_the_election_is_a_draft(
    draft_contest: Contest, official: Any
) -> None:
    first = draft_contest.tie_seed
    contest = actions.contest_update(contest=draft_contest, actor=official, tie_seed="2027.1 TC")
    assert contest.tie_seed == "2027.1 TC" and contest.tie_seed_sha256 == _sha256("2027.1 TC")
    drawn = actions.contest_update(contest=contest, actor=official, tie_seed="")
    assert drawn.tie_seed not in ("", "2027.1 TC", first) and len(drawn.tie_seed) == 32
    assert drawn.tie_seed_sha256 == _sha256(drawn.tie_seed)
    changes = [
        e.detail for e in AuditEntry.objects.filter(action="contest.tie_seed").order_by("pk")
    ]
    assert [c["tie_seed_sha256"]["to"] for c in changes] == [
        _sha256("2027.1 TC"),
        drawn.tie_seed_sha256,
    ]
    assert "2027.1 TC" not in _audit_text(contest) and drawn.tie_seed not in _audit_text(contest)


def test_an_official_cannot_change_the_seed_once_nominations_open(
    draft_contest: Contest, official: Any, open_nominations: Any
) -> None:
    seed = draft_contest.tie_seed
    open_nominations(draft_contest.election)
    for attempt in ("a seed that favours Alice", ""):
        with pytest.raises(actions.ElectionError, match="fixed once nominations have opened"):
            actions.contest_update(contest=draft_contest, actor=official, tie_seed=attempt)
    draft_contest.refresh_from_db()
    assert draft_contest.tie_seed == seed and draft_contest.tie_seed_sha256 == _sha256(seed)
    # Other fields still change until nominations close.
    assert actions.contest_update(contest=draft_contest, actor=official, seats=3).seats == 3
    opened = AuditEntry.objects.get(action="election.phase_move", detail__to="nominations")
    assert opened.detail["tie_seed_sha256"] == {"tc": _sha256(seed)}
    assert seed not in _audit_text(draft_contest)


def test_opening_nominations_gives_a_seed_to_a_contest_that_had_none(
    draft_contest: Contest, open_nominations: Any
) -> None:
    # A contest from before seeds were drawn by default (written here as the database would
    # hold it): it must not reach the polls without a committed seed, which can never be set
    # later.
    Contest.objects.filter(pk=draft_contest.pk).update(tie_seed="", tie_seed_sha256="")
    open_nominations(draft_contest.election)
    draft_contest.refresh_from_db()
    assert len(draft_contest.tie_seed) == 32
    assert draft_contest.tie_seed_sha256 == _sha256(draft_contest.tie_seed)


def test_the_admin_shows_officials_only_the_hash_and_sets_a_seed_in_a_draft(
    draft_contest: Contest, official: Any, client: Client
) -> None:
    client.force_login(official)
    url = reverse("admin:elections_contest_change", args=[draft_contest.pk])
    page = client.get(url).content.decode()
    assert draft_contest.tie_seed_sha256 in page and draft_contest.tie_seed not in page
    assert 'name="new_tie_seed"' in page
    form = {
        "name": draft_contest.name,
        "description": "",
        "seats": "2",
        "method": "schulze",
        "max_per_affiliation": "",
        "new_tie_seed": "typed by an official",
        "options-TOTAL_FORMS": "0",
        "options-INITIAL_FORMS": "0",
    }
    assert client.post(url, form).status_code == 302
    draft_contest.refresh_from_db()
    assert draft_contest.tie_seed == "typed by an official"
    assert "typed by an official" not in client.get(url).content.decode()
    assert client.post(url, {**form, "new_tie_seed": "", "regenerate_tie_seed": "on"}).status_code
    draft_contest.refresh_from_db()
    assert len(draft_contest.tie_seed) == 32
    assert draft_contest.tie_seed_sha256 == _sha256(draft_contest.tie_seed)


def test_the_admin_shows_the_seed_read_only_and_refuses_it_after_nominations_open(
    draft_contest: Contest, official: Any, client: Client, open_nominations: Any
) -> None:
    seed = draft_contest.tie_seed
    open_nominations(draft_contest.election)
    client.force_login(official)
    url = reverse("admin:elections_contest_change", args=[draft_contest.pk])
    page = client.get(url).content.decode()
    assert draft_contest.tie_seed_sha256 in page and seed not in page
    assert 'name="new_tie_seed"' not in page and 'name="regenerate_tie_seed"' not in page
    response = client.post(
        url,
        {
            "name": draft_contest.name,
            "description": "",
            "seats": "2",
            "method": "schulze",
            "max_per_affiliation": "",
            "new_tie_seed": "a seed that favours Alice",  # posted by hand
            "options-TOTAL_FORMS": "0",
            "options-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert "fixed once nominations have opened" in response.content.decode()
    draft_contest.refresh_from_db()
    assert draft_contest.tie_seed == seed


def test_the_seed_is_nowhere_public_before_the_result_but_its_hash_is(
    official: Any,
    make_user: Any,
    make_team: Any,
    contribute: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = build_world(
        official=official,
        make_user=make_user,
        make_team=make_team,
        contribute=contribute,
        capture_on_commit=django_capture_on_commit_callbacks,
    )
    # Counted, the result still a draft: the seed has been used but is not public yet.
    counted = build_counted_contest(
        official=official,
        team=world.team,
        candidates=[world.candidate, world.rival],
        voter=world.elector,
        capture_on_commit=django_capture_on_commit_callbacks,
        slug="counted-2027",
    ).contest
    unpublished = [world.own_candidacy.contest, world.polling_contest, counted]
    unpublished += [world.community_contest]
    pages: list[str] = [
        reverse("home"),
        reverse("election_list"),
        reverse("results_index"),
        reverse("results_feed_rss"),
        reverse("results_feed_atom"),
        reverse("api_elections"),
        reverse("api_results"),
    ]
    for contest in unpublished:
        election, both = contest.election.slug, [contest.election.slug, contest.slug]
        pages += [
            reverse("election_detail", args=[election]),
            reverse("contest_detail", args=both),
            reverse("results_election", args=[election]),
            reverse("results_election_feed_atom", args=[election]),
            reverse("results_contest", args=both),
            reverse("results_file", args=[*both, "result_json"]),
            reverse("api_election", args=[election]),
            reverse("api_contest", args=both),
        ]
    signed_in = Client()
    signed_in.force_login(world.candidate)
    for client in (Client(), signed_in):
        seen = "".join(client.get(url).content.decode() for url in pages)
        for contest in unpublished:
            assert contest.tie_seed not in seen, contest
    for contest in unpublished:
        both = [contest.election.slug, contest.slug]
        for url in (
            reverse("contest_detail", args=both),
            reverse("election_detail", args=[contest.election.slug]),
        ):
            assert contest.tie_seed_sha256 in Client().get(url).content.decode(), url
        api = Client().get(reverse("api_contest", args=both)).json()
        assert api["tie_seed_sha256"] == _sha256(contest.tie_seed) and api["result"] is None


def test_the_migration_commits_the_seeds_contests_already_hold(draft_contest: Contest) -> None:
    Contest.objects.filter(pk=draft_contest.pk).update(tie_seed="old seed", tie_seed_sha256="")
    migration = importlib.import_module("elections.migrations.0006_contest_tie_seed_sha256")
    migration.commit_existing_seeds(apps, None)
    draft_contest.refresh_from_db()
    assert draft_contest.tie_seed_sha256 == _sha256("old seed")
