"""Anyone can re-count: the published files give the same result with the engine's CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from elections.results import actions
from elections.results.models import Result

from .test_tally import WIKIPEDIA_CANDIDATES, wikipedia_ballots

pytestmark = pytest.mark.django_db


def cli_tally(path: Path, *arguments: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "elections.condorcet", "tally", str(path), "--json", *arguments],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(completed.stdout)


def download(client: Client, result: Result, kind: str, target: Path) -> Path:
    contest = result.contest
    response = client.get(reverse("results_file", args=[contest.election.slug, contest.slug, kind]))
    assert response.status_code == 200
    target.write_bytes(response.content)
    return target


def publish(polled_contest: Any, official: Any, capture: Any, **fields: Any) -> Result:
    contest = polled_contest(**fields)
    with capture(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    return actions.result_publish(result=result, actor=official)


def test_published_ballots_recount_to_the_same_result_with_the_cli(
    polled_contest: Any,
    official: Any,
    client: Client,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    result = publish(
        polled_contest,
        official,
        django_capture_on_commit_callbacks,
        candidates=WIKIPEDIA_CANDIDATES,
        ballots=wikipedia_ballots(),
        seats=2,
    )
    document = json.loads(download(client, result, "result_json", tmp_path / "r.json").read_text())
    seats_and_method = [
        "--seats",
        str(document["seats"]),
        "--method",
        document["method"],
        "--tie-seed",
        document["tie_seed"],
    ]
    csv_path = download(client, result, "ballots_csv", tmp_path / "ballots.csv")
    recount = cli_tally(csv_path, *seats_and_method)
    assert recount["input_sha256"] == result.ballot_file_sha256 == document["input_sha256"]
    assert recount["ranking"] == result.ranking == document["ranking"]
    assert recount["winners"] == result.winners == ["E", "A"]
    assert recount["ballot_count"] == 45
    # The matrix, reordered by the file's header, is the stored one.
    index = {name: position for position, name in enumerate(recount["candidates"])}
    stored = {name: position for position, name in enumerate(result.names)}
    for a in result.names:
        for b in result.names:
            assert recount["pairwise"][index[a]][index[b]] == result.pairwise[stored[a]][stored[b]]
    preflib = download(client, result, "ballots_preflib", tmp_path / "ballots.toi")
    assert cli_tally(preflib, *seats_and_method)["ranking"] == result.ranking


def test_a_tie_is_recounted_with_the_published_seed(
    polled_contest: Any,
    official: Any,
    client: Client,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Two ballots each way: Alice and Bob tie, the seeded draw decides the seat.
    result = publish(
        polled_contest,
        official,
        django_capture_on_commit_callbacks,
        candidates=("Alice Able", "Bob Baker"),
        ballots=((1, 2), (2, 1), (1, 2), (2, 1)),
        tie_seed="2027.1 TC tie",
    )
    assert result.tie_breaks and result.tie_seed == "2027.1 TC tie"
    csv_path = download(client, result, "ballots_csv", tmp_path / "ballots.csv")
    recount = cli_tally(csv_path, "--tie-seed", result.tie_seed)
    assert recount["winners"] == result.winners
    assert recount["tie_breaks"][0]["seed"] == result.tie_seed
    assert recount["input_sha256"] == result.ballot_file_sha256
    page = client.get(result.get_absolute_url()).content.decode()
    assert "The public draw with" in page and result.tie_breaks[0]["draw"][0]["sha256"] in page


def test_the_ballot_file_is_in_random_order_and_says_nothing_of_voters(
    polled_contest: Any,
    official: Any,
    client: Client,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    result = publish(polled_contest, official, django_capture_on_commit_callbacks)
    text = download(client, result, "ballots_csv", tmp_path / "b.csv").read_text()
    header, *rows = text.splitlines()
    assert header.split(",") == result.names
    assert len(rows) == result.ballot_count
    assert "@" not in text and "voter" not in text


def test_the_affiliation_limit_is_applied_recorded_and_recounted(
    polled_contest: Any,
    official: Any,
    client: Client,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Alice > Bob > Carol for everyone, but Alice and Bob work for the same employer and the
    # contest allows one winner per affiliation: Carol takes the second seat.
    result = publish(
        polled_contest,
        official,
        django_capture_on_commit_callbacks,
        ballots=((1, 2, 3),) * 3,
        seats=2,
        max_per_affiliation=1,
        affiliations=("ACME", "ACME", "Initech"),
    )
    assert result.winners == ["Alice Able", "Carol Cook"]
    assert result.affiliation_adjustments[0]["candidate"] == "Bob Baker"
    document = json.loads(download(client, result, "result_json", tmp_path / "r.json").read_text())
    csv_path = download(client, result, "ballots_csv", tmp_path / "ballots.csv")
    flags = [
        f"--affiliation={choice['name']}={choice['affiliation']}"
        for choice in document["choices"]
        if choice["affiliation"]
    ]
    recount = cli_tally(
        csv_path,
        "--seats",
        "2",
        "--tie-seed",
        document["tie_seed"],
        "--max-per-affiliation",
        "1",
        *flags,
    )
    assert recount["winners"] == result.winners
    assert recount["affiliation_adjustments"] == result.affiliation_adjustments
    page = client.get(result.get_absolute_url()).content.decode()
    assert "Affiliation rule" in page and "Bob Baker" in page


def test_verification_finds_a_tampered_file_or_result(
    polled_contest: Any, official: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    from elections.results.models import ResultFile
    from elections.results.selectors import result_problems

    result = publish(
        polled_contest,
        official,
        django_capture_on_commit_callbacks,
        candidates=WIKIPEDIA_CANDIDATES,
        ballots=wikipedia_ballots(),
    )
    assert result_problems(result) == []
    client.force_login(official)
    changelist = reverse("admin:results_result_changelist")
    page = client.post(
        changelist,
        {"action": "verify_selected", ACTION_CHECKBOX_NAME: [str(result.pk)]},
        follow=True,
    )
    assert "re-counts to the same result" in page.content.decode()
    # Someone with database access swaps two ballots' first choices in the published file.
    stored = ResultFile.objects.get(result=result, kind="ballots_csv")
    header, first, *rest = stored.content.splitlines()
    ResultFile.objects.filter(pk=stored.pk).update(
        content="\n".join([header, ",".join(reversed(first.split(","))), *rest]) + "\n"
    )
    problems = result_problems(result)
    assert any("does not match its SHA-256" in problem for problem in problems)
    assert any("other ballots" in problem for problem in problems)
    # ... or edits the stored winners.
    ResultFile.objects.filter(pk=stored.pk).update(content=stored.content)
    Result.objects.filter(pk=result.pk).update(winners=["D"])
    result.refresh_from_db()
    assert result_problems(result) == ["A re-count of the ballot file gives other winners."]
    page = client.post(
        changelist,
        {"action": "verify_selected", ACTION_CHECKBOX_NAME: [str(result.pk)]},
        follow=True,
    )
    assert "gives other winners" in page.content.decode()
