"""The tally service and tasks, run in-process (eager Celery)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import override_settings

from elections.models import ContestState, Phase
from elections.results import actions, selectors
from elections.results.models import Result, ResultFileKind, TallyRun, TallyRunState
from elections.results.tasks import tally_contest

pytestmark = pytest.mark.django_db

# The Wikipedia Schulze example, scaled down: 5 candidates, E wins with E > A > C > B > D.
WIKIPEDIA_CANDIDATES = ("A", "B", "C", "D", "E")
WIKIPEDIA_GROUPS = (
    (5, (1, 3, 2, 5, 4)),  # A C B E D
    (5, (1, 5, 4, 2, 3)),  # A D E C B
    (8, (4, 1, 5, 3, 2)),  # B E D A C
    (3, (2, 3, 1, 5, 4)),  # C A B E D
    (7, (2, 4, 1, 5, 3)),  # C A E B D
    (2, (3, 2, 1, 4, 5)),  # C B A D E
    (7, (5, 4, 2, 1, 3)),  # D C E B A
    (8, (3, 2, 5, 4, 1)),  # E B A D C
)


def wikipedia_ballots() -> list[tuple[int, ...]]:
    return [ranks for count, ranks in WIKIPEDIA_GROUPS for _ in range(count)]


def test_tally_counts_the_ballots_with_the_engine_and_stores_a_draft(
    polled_contest: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contest = polled_contest(candidates=WIKIPEDIA_CANDIDATES, ballots=wikipedia_ballots())
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    assert result.state == "draft"
    assert result.ranking == [["E"], ["A"], ["C"], ["B"], ["D"]]
    assert result.winners == ["E"]
    assert result.ballot_count == 45
    assert result.electorate_size == 5 + 45 + 1
    assert str(result.turnout_percent) == "88.24"
    assert result.engine_version
    assert len(result.strongest_paths) == 5
    # Trackers are published only where the election says so (off by default).
    assert {f.kind for f in result.files.all()} == set(ResultFileKind.values) - {"trackers"}
    contest.refresh_from_db()
    assert contest.state == ContestState.TALLIED
    assert contest.election.phase == Phase.TALLIED
    run = TallyRun.objects.get(contest=contest)
    assert run.state == TallyRunState.SUCCEEDED and run.result == result


def test_tallying_the_same_ballots_twice_stores_one_result(
    polled_contest: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contest = polled_contest()
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    first = Result.objects.get(contest=contest)
    assert tally_contest.delay(contest.pk).get() == first.pk
    again = actions.result_tally(contest=contest)
    assert again.pk == first.pk
    assert Result.objects.filter(contest=contest).count() == 1


def test_a_chunked_tally_equals_the_single_process_tally(
    polled_contest: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    single = polled_contest(candidates=WIKIPEDIA_CANDIDATES, ballots=wikipedia_ballots())
    chunked = polled_contest(candidates=WIKIPEDIA_CANDIDATES, ballots=wikipedia_ballots())
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=single)
    settings.STACKVOTE_TALLY_CHUNK_SIZE = 7
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=chunked)
    one = Result.objects.get(contest=single)
    many = Result.objects.get(contest=chunked)
    run = TallyRun.objects.get(contest=chunked)
    assert run.chunks_total == 7 and run.chunks_done == 7
    assert_same_count(one, many)


def by_name(result: Result, matrix: list[list[int]]) -> dict[tuple[str, str], int]:
    """A matrix keyed by candidate names (two contests may order their columns differently)."""
    names = result.names
    return {(a, b): matrix[i][j] for i, a in enumerate(names) for j, b in enumerate(names)}


def assert_same_count(one: Result, other: Result) -> None:
    for field in (
        "ranking",
        "winners",
        "tie_breaks",
        "unresolved_ties",
        "smith_set",
        "condorcet_winner",
        "ballot_count",
    ):
        assert getattr(one, field) == getattr(other, field), field
    assert by_name(one, one.pairwise) == by_name(other, other.pairwise)
    assert by_name(one, one.strongest_paths) == by_name(other, other.strongest_paths)


def test_ballot_set_digest_ignores_the_order_of_the_ballots() -> None:
    import numpy as np

    ranks = np.array([[1, 2, 0], [2, 1, 3], [1, 2, 0], [0, 0, 1]])
    names = ["a", "b", "c"]
    digest = selectors.ballot_set_sha256(names, ranks)
    assert digest == selectors.ballot_set_sha256(names, ranks[::-1])
    assert digest != selectors.ballot_set_sha256(names, ranks[:3])
    halves = selectors.add_multiset_sums(
        [selectors.ballot_multiset_sum(ranks[:2]), selectors.ballot_multiset_sum(ranks[2:])]
    )
    assert halves == selectors.ballot_multiset_sum(ranks)


def test_a_contest_still_polling_is_not_tallied(make_election: Any, make_contest: Any) -> None:
    contest = make_contest(make_election(slug="open"), kind="tc")
    with pytest.raises(actions.ResultError, match="poll must be closed"):
        actions.result_tally(contest=contest)


def test_an_unsealed_ballot_box_is_not_tallied(polled_contest: Any) -> None:
    contest = polled_contest()
    with pytest.raises(actions.ResultError, match="not sealed"):
        actions.result_tally(contest=contest)


def test_the_contest_row_is_locked_while_the_result_is_stored(
    polled_contest: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Two workers serialise on SELECT ... FOR UPDATE of the contest (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from django.test.utils import CaptureQueriesContext

    contest = polled_contest()
    from elections.voting.actions import ballots_seal

    ballots_seal(contest=contest)
    with CaptureQueriesContext(connection) as queries:
        actions.result_tally(contest=contest)
    assert any("FOR UPDATE" in query["sql"] for query in queries.captured_queries)


@override_settings(STACKVOTE_RESULTS_AUTO_PUBLISH=True)
def test_auto_publish_publishes_as_soon_as_tallied(
    polled_contest: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contest = polled_contest()
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    assert result.state == "published"
    contest.refresh_from_db()
    assert contest.election.phase == Phase.PUBLISHED


def test_an_election_set_to_publish_automatically_publishes_without_an_official(
    polled_contest: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contest = polled_contest()
    other = polled_contest()
    contest.election.auto_publish_results = True
    contest.election.save(update_fields=["auto_publish_results"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
        actions.contest_close_and_tally(contest=other)
    assert Result.objects.get(contest=contest).state == "published"
    assert Result.objects.get(contest=other).state == "draft"


def test_a_chunk_that_fails_for_good_marks_the_run_failed_and_frees_the_contest(
    polled_contest: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    from elections.results import counting
    from elections.results.tasks import tally_lock_key
    from elections.voting.actions import ballots_seal

    contest = polled_contest(candidates=WIKIPEDIA_CANDIDATES, ballots=wikipedia_ballots())
    ballots_seal(contest=contest)
    settings.STACKVOTE_TALLY_CHUNK_SIZE = 10

    def broken(ranks: Any) -> Any:
        raise ValueError("ranks out of range")

    monkeypatch.setattr(counting, "pairwise_matrix", broken)
    with pytest.raises(ValueError, match="out of range"):
        tally_contest.delay(contest.pk)
    run = TallyRun.objects.get(contest=contest)
    assert run.state == TallyRunState.FAILED and "out of range" in run.error
    assert cache.get(tally_lock_key(contest.pk)) is None
    assert not Result.objects.filter(contest=contest).exists()
    # Fixed, an official's re-run counts it.
    monkeypatch.undo()
    settings.STACKVOTE_TALLY_CHUNK_SIZE = 10
    assert tally_contest.delay(contest.pk).get() is None  # the chord finished the work
    assert Result.objects.filter(contest=contest).count() == 1


def test_a_poll_nobody_voted_in_is_tallied_as_a_public_draw(
    polled_contest: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contest = polled_contest(ballots=(), tie_seed="empty poll")
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    assert result.ballot_count == 0
    assert result.ranking == [sorted(["Alice Able", "Bob Baker", "Carol Cook"])]
    assert len(result.winners) == 1 and result.tie_breaks[0]["seed"] == "empty poll"
    assert result.files.get(kind="ballots_csv").content == "Alice Able,Bob Baker,Carol Cook\n"


def test_draft_results_are_shown_only_to_officials_who_may_act_on_them(
    polled_contest: Any,
    django_capture_on_commit_callbacks: Any,
    official: Any,
    make_user: Any,
    client: Any,
) -> None:
    contest = polled_contest()
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    client.force_login(make_user("curious@example.org"))
    assert client.get(result.get_absolute_url()).status_code == 404
    client.force_login(official)
    page = client.get(result.get_absolute_url()).content.decode()
    assert "Draft, not public" in page


def test_a_community_vote_on_options_is_tallied_by_option_name(
    make_user: Any,
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    official: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from elections import actions as election_actions
    from elections.voting.actions import ballot_cast
    from elections.voting.ranking import Ranking

    team = make_team()
    voters = [make_user(f"namer{n}@example.org") for n in range(3)]
    for voter in voters:
        contribute(team, voter.email)
    election = make_election(slug="release-name")
    contest = make_contest(election, kind="community", name="Release name", slug="name")
    for name in ("Zed", "Yoga", "Xena"):
        election_actions.option_create(contest=contest, actor=official, name=name)
    open_nominations(election)
    election_actions.election_phase_move(
        election=election, to_phase="polling", actor=official, reason="test"
    )
    contest.refresh_from_db()
    keys = {choice.label: choice.key for choice in contest.ballot_choices()}
    for voter, order in zip(voters, (("Yoga", "Zed"), ("Yoga",), ("Xena", "Yoga")), strict=True):
        ranks = {keys[name]: place for place, name in enumerate(order, start=1)}
        ballot_cast(contest=contest, voter=voter, ranking=Ranking.from_ranks(ranks, keys.values()))
    election_actions.election_phase_move(
        election=election, to_phase="closed", actor=official, reason="test"
    )
    contest.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    assert result.winners == ["Yoga"]
    assert sorted(result.names) == ["Xena", "Yoga", "Zed"]


def test_the_rank_matrix_holds_what_the_voting_selector_returns(polled_contest: Any) -> None:
    from elections.voting.actions import ballots_seal
    from elections.voting.selectors import ballot_rankings

    contest = polled_contest(candidates=WIKIPEDIA_CANDIDATES, ballots=wikipedia_ballots())
    ballots_seal(contest=contest)
    matrix = selectors.contest_ballot_matrix(contest)
    keys = [choice.key for choice in matrix.choices]
    expected = sorted([ranks.get(key, 0) for key in keys] for ranks in ballot_rankings(contest))
    assert len(expected) == 45
    assert sorted(matrix.ranks.tolist()) == expected
    chunks = [
        selectors.contest_ballot_chunk(contest, part=part, parts=4).tolist() for part in range(4)
    ]
    # The ranges of ballot ids cover every ballot exactly once.
    assert sorted(row for chunk in chunks for row in chunk) == expected


def test_a_chunked_tally_run_again_finds_its_result_without_fanning_out(
    polled_contest: Any, settings: Any
) -> None:
    from elections.voting.actions import ballots_seal

    contest = polled_contest(candidates=WIKIPEDIA_CANDIDATES, ballots=wikipedia_ballots())
    ballots_seal(contest=contest)
    settings.STACKVOTE_TALLY_CHUNK_SIZE = 10
    assert tally_contest.delay(contest.pk).get() is None  # counted by the chord
    result = Result.objects.get(contest=contest)
    assert tally_contest.delay(contest.pk).get() == result.pk
    again = TallyRun.objects.filter(contest=contest).order_by("-created_at", "-pk").first()
    assert again.chunks_total == 0 and again.result == result
    # Sealing again changes nothing: still one result.
    ballots_seal(contest=contest)
    assert tally_contest.delay(contest.pk).get() == result.pk
    assert Result.objects.filter(contest=contest).count() == 1
