"""The tie seed is revealed with the result: the published page, JSON file and API show it,
it hashes to the commitment published since nominations opened, the count drew with it, and
anyone re-counts the ballot file with it to the same winners."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from elections.models import Contest
from elections.results import actions
from elections.results.models import Result
from elections.results.selectors import result_problems

from .test_recount import cli_tally, download

pytestmark = pytest.mark.django_db

# Two ballots each way: Alice and Bob tie for the one seat, and the seeded draw decides it.
TIED = {"candidates": ("Alice Able", "Bob Baker"), "ballots": ((1, 2), (2, 1), (1, 2), (2, 1))}


def _api_contest(contest: Contest) -> dict[str, Any]:
    url = reverse("api_contest", args=[contest.election.slug, contest.slug])
    return Client().get(url).json()


def test_the_published_result_reveals_the_committed_seed_it_was_counted_with(
    polled_contest: Any,
    official: Any,
    client: Client,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    contest = polled_contest(**TIED)  # the default seed: random, chosen by nobody
    seed = contest.tie_seed
    before = _api_contest(contest)
    commitment = before["tie_seed_sha256"]
    assert commitment == hashlib.sha256(seed.encode("utf-8")).hexdigest()
    assert seed not in json.dumps(before)

    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    assert result.tie_breaks[0]["seed"] == seed  # the draw used the committed seed
    result = actions.result_publish(result=result, actor=official)

    revealed = _api_contest(contest)
    assert revealed["tie_seed_sha256"] == commitment
    assert revealed["result"]["tie_seed"] == seed
    assert revealed["result"]["tie_seed_sha256"] == commitment
    document = json.loads(download(client, result, "result_json", tmp_path / "r.json").read_text())
    assert document["tie_seed"] == seed and document["tie_seed_sha256"] == commitment
    page = client.get(result.get_absolute_url()).content.decode()
    assert f"<code>{seed}</code>" in page and commitment in page
    assert f"printf '%s' '{seed}' | sha256sum" in page

    csv_path = download(client, result, "ballots_csv", tmp_path / "ballots.csv")
    recount = cli_tally(csv_path, "--tie-seed", document["tie_seed"])
    assert recount["winners"] == result.winners and len(result.winners) == 1
    assert recount["tie_breaks"] == result.tie_breaks


def test_a_seed_that_does_not_match_its_commitment_is_reported(
    polled_contest: Any, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contest = polled_contest(**TIED)
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    assert result_problems(result) == []
    # Someone with the database changes the commitment after the count.
    Contest.objects.filter(pk=contest.pk).update(tie_seed_sha256="0" * 64)
    result.refresh_from_db()
    result.contest.refresh_from_db()
    assert result_problems(result) == [
        "The tie seed counted with is not the one committed to by its SHA-256."
    ]
