"""Reads of the results app: ballots as rank matrices, published results, turnout.

Ballots are read only to count them, from the voting app's sealed blocks
(``elections.voting.ballot_reads``, one binary COPY into a numpy matrix): a whole contest,
or one range of its stored ballots for a chunk of a fanned-out tally. The rank matrix has
one row per ballot and one column per choice in ``Contest.ballot_choices()`` order, 1 = most
preferred, equal numbers = tie, 0 = unranked (the engine's convention).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from elections.condorcet.formats import read_csv
from elections.models import (
    Appointment,
    Candidacy,
    CandidacyState,
    Choice,
    Contest,
    ContestState,
    Election,
    Phase,
    tie_seed_sha256,
)
from elections.results import conf, counting
from elections.results.models import Result, ResultFile, ResultState, TallyRun, TallyRunState
from elections.selectors import contest_appointment
from elections.voting.ballot_reads import (
    SealedBallots,
    ballot_ranges,
    sealed_ballot_count,
    sealed_ballots,
)
from elections.voting.selectors import (
    audited_seal_digests,
    ballot_box_seal,
    sealed_ballots_digest_now,
)
from elections.voting.selectors import counted_receipt_hashes as voting_receipts
from elections.voting.selectors import electorate_size as voting_electorate_size


@dataclass(frozen=True)
class BallotMatrix:
    """A contest's ballots as the engine counts them."""

    choices: tuple[Choice, ...]
    names: tuple[str, ...]
    ranks: np.ndarray
    # The ballots' trackers (``S32``) and receipt hashes (``S64``), row for row, when asked for.
    trackers: np.ndarray | None = None
    receipt_hashes: np.ndarray | None = None

    @property
    def ballot_count(self) -> int:
        return int(self.ranks.shape[0])


def candidate_names(choices: Sequence[Choice]) -> list[str]:
    """The names the engine and the published files use: each choice's label, made unique.

    Two choices with the same label (two people called "Alex Smith") are told apart by their
    key, so the header of the ballot file never repeats a name.
    """
    # The ballot files hold one name per line or cell, without surrounding spaces.
    labels = [" ".join(choice.label.split()) for choice in choices]
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
    return [
        label if seen[label] == 1 and label else f"{label} ({choice.key})".strip()
        for label, choice in zip(labels, choices, strict=True)
    ]


def _columns(choices: Sequence[Choice], choice_keys: Sequence[str]) -> np.ndarray:
    """For each of ``choices``, its column in the seal's frozen order (-1: on no ballot)."""
    frozen = {key: index for index, key in enumerate(choice_keys)}
    return np.array([frozen.get(choice.key, -1) for choice in choices], dtype=np.int64)


def _rank_matrix(ballots: SealedBallots, choices: Sequence[Choice]) -> np.ndarray:
    """The sealed ranks in ``choices`` order. A choice no longer on the ballot (withdrawn
    after polling) is not counted; one that no ballot names is unranked on all of them."""
    columns = _columns(choices, ballots.choice_keys)
    if list(columns) == list(range(ballots.ranks.shape[1])):
        return ballots.ranks
    matrix = np.zeros((ballots.ranks.shape[0], len(choices)), dtype=np.int64)
    present = columns >= 0
    matrix[:, present] = ballots.ranks[:, columns[present]]
    return matrix


def ballot_box_sealed(contest: Contest) -> bool:
    """True once the voting app rewrote the contest's ballots at the close (they are final)."""

    return ballot_box_seal(contest) is not None


def contest_ballot_count(contest: Contest) -> int:
    return sealed_ballot_count(contest)


def contest_ballot_matrix(
    contest: Contest, *, trackers: bool = False, receipts: bool = False
) -> BallotMatrix:
    """All the contest's ballots as a V×C rank matrix, columns in
    ``Contest.ballot_choices()`` order, in the order they are stored (shuffled at the seal).

    Read in one binary COPY of the packed ranks (``elections.voting.ballot_reads``): no
    Python object per ballot. With ``trackers`` the ballots' trackers come along, row for row,
    and with ``receipts`` their receipt hashes (public once the box is sealed).
    """
    choices = tuple(contest.ballot_choices())
    ballots = sealed_ballots(contest, trackers=trackers, receipts=receipts)
    return BallotMatrix(
        choices=choices,
        names=tuple(candidate_names(choices)),
        ranks=_rank_matrix(ballots, choices),
        trackers=ballots.trackers,
        receipt_hashes=ballots.receipt_hashes,
    )


def contest_ballot_chunk(contest: Contest, *, part: int, parts: int) -> np.ndarray:
    """The ballots in range ``part`` of ``parts`` about equal ranges of the contest's stored
    ballots (``ballot_reads.ballot_ranges``), as a rank matrix: what one chunk of a
    fanned-out tally reads from the database itself (only the blocks its range overlaps).
    The ranges cover every ballot exactly once."""
    choices = contest.ballot_choices()
    total = sealed_ballot_count(contest)
    ballots = sealed_ballots(contest, ballots=ballot_ranges(total, parts)[part])
    return _rank_matrix(ballots, choices)


# Ballot multisets are summarised by adding the sha256 of every ballot modulo 2**256: the sum
# does not depend on order, and the sums of disjoint chunks add up to the sum of the whole.
_MULTISET_MODULUS = 1 << 256


def ballot_multiset_sum(ranks: np.ndarray) -> int:
    """Order-independent, additive digest of a multiset of ballots: the sum, modulo 2**256,
    of the SHA-256 of every ballot's row of little-endian 64-bit ranks.

    A chunked tally compares the sum over its chunks with the sum over all ballots: equal sums
    mean the chunks covered exactly the contest's ballots, each once (ballots rewritten between
    two chunks would otherwise be counted twice or missed without anyone noticing). The sum of
    the 256-bit digests is taken in numpy, 16 bits at a time.
    """
    if ranks.shape[0] == 0:
        return 0
    rows = np.ascontiguousarray(ranks, dtype="<i8")
    width = rows.shape[1] * 8
    view = memoryview(rows).cast("B")
    sha256 = hashlib.sha256
    digests = b"".join(
        [sha256(view[start : start + width]).digest() for start in range(0, len(view), width)]
    )
    limbs = np.frombuffer(digests, dtype=">u2").reshape(rows.shape[0], 16)
    sums = limbs.sum(axis=0, dtype=np.uint64).tolist()
    total = 0
    for limb in sums:
        total = (total << 16) + int(limb)
    return total % _MULTISET_MODULUS


def add_multiset_sums(sums: Sequence[int]) -> int:
    return sum(sums) % _MULTISET_MODULUS


def ballot_set_sha256(
    names: Sequence[str], ranks: np.ndarray, *, multiset: int | None = None
) -> str:
    """sha256 identifying a contest's ballot set, whatever order the ballots are stored in.

    The same ballots give the same digest however they are stored or shuffled, which is what
    makes a tally idempotent: one Result per contest and ballot set.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps(list(names), ensure_ascii=False).encode("utf-8"))
    if multiset is None:
        multiset = ballot_multiset_sum(ranks)
    digest.update(f"|{ranks.shape[0]}|{multiset:064x}".encode("ascii"))
    return digest.hexdigest()


def counted_receipt_hashes(contest: Contest) -> list[str]:
    """The receipt hashes of the counted ballots, sorted (the voting app's selector)."""

    return sorted(voting_receipts(contest))


def electorate_size(contest: Contest) -> int | None:
    """Size of the contest's frozen roll, or None while it has none."""

    return voting_electorate_size(contest)


def turnout_percent(ballot_count: int, electorate: int | None) -> Decimal | None:
    if not electorate:
        return None
    percent = Decimal(ballot_count * 100) / Decimal(electorate)
    return percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def result_for_ballot_set(contest: Contest, ballot_set_sha256: str) -> Result | None:
    return Result.objects.filter(contest=contest, ballot_set_sha256=ballot_set_sha256).first()


def result_since_seal(contest: Contest, *, ballot_count: int) -> Result | None:
    """The result counted from the contest's ballot box as it was sealed, if any.

    A sealed box takes no ballot and changes none; sealing it again makes any
    earlier result count as older than the seal, so the ballots are read and checked again.
    """

    seal = ballot_box_seal(contest)
    if seal is None:
        return None
    return (
        Result.objects.filter(
            contest=contest, ballot_count=ballot_count, created_at__gte=seal.sealed_at
        )
        .order_by("-created_at")
        .first()
    )


def published_result(contest: Contest) -> Result | None:
    """The public result of a contest, if one is published."""
    return (
        Result.objects.published()
        .filter(contest=contest)
        .select_related("contest__election")
        .first()
    )


def published_results(*, election: Election | None = None) -> QuerySet[Result]:
    """Published results, most recently published first (feeds, API, pages)."""
    results = Result.objects.published().select_related("contest__election")
    if election is not None:
        results = results.filter(contest__election=election)
    return results.order_by("-published_at", "-pk")


def result_files(result: Result) -> QuerySet[ResultFile]:
    return result.files.all().defer("content")


def result_file(result: Result, kind: str) -> ResultFile | None:
    return result.files.filter(kind=kind).first()


def latest_result(contest: Contest) -> Result | None:
    """The newest result of a contest, draft or published (officials)."""
    return Result.objects.filter(contest=contest).order_by("-created_at", "-pk").first()


def contests_awaiting_tally() -> list[Contest]:
    """Closed polls with no tally under way and none that failed (officials re-run those).

    A run still "queued" or "counting" with no news for longer than the tally lock lives was
    lost (the broker was down when it was queued, or every worker died): it is due again.
    """
    contests = Contest.objects.filter(state=ContestState.CLOSED).select_related("election")
    return [contest for contest in contests if awaits_tally(contest)]


def awaits_tally(contest: Contest) -> bool:
    """True for a closed poll that no tally is counting, or whose last tally was lost."""

    if contest.state != ContestState.CLOSED:
        return False
    stale_before = timezone.now() - datetime.timedelta(seconds=conf.tally_lock_seconds())
    last = TallyRun.objects.filter(contest=contest).order_by("-created_at", "-pk").first()
    return (
        last is None
        or last.state == TallyRunState.SUCCEEDED
        or (
            last.state in (TallyRunState.QUEUED, TallyRunState.RUNNING)
            and last.updated_at < stale_before
        )
    )


def elections_awaiting_results() -> list[int]:
    """Ids of elections closed or tallied: the sweep checks whether they can move on."""
    return list(
        Election.objects.filter(phase__in=(Phase.CLOSED, Phase.TALLIED)).values_list(
            "pk", flat=True
        )
    )


def tally_runs(contest: Contest) -> QuerySet[TallyRun]:
    return TallyRun.objects.filter(contest=contest).order_by("-created_at")


# Contests that never go to a poll, shown with the results of those that did.
SETTLED_WITHOUT_POLL = (ContestState.ACCLAIMED, ContestState.APPOINTMENT_NEEDED)


@dataclass(frozen=True)
class ContestOutcome:
    """One contest on a results page: its published result, or how it was settled."""

    contest: Contest
    result: Result | None
    acclaimed: tuple[str, ...]
    appointment: Appointment | None = None  # who filled a seat nobody stood for
    # A poll held elsewhere (an imported cycle): who its published result elected.
    elected_of_record: tuple[str, ...] = ()

    @property
    def settled_without_poll(self) -> bool:
        return self.contest.state in SETTLED_WITHOUT_POLL

    @property
    def turnout_of_record_percent(self) -> Decimal | None:
        """The turnout of a poll held elsewhere, where the archive gives it."""
        voters = self.contest.voters_of_record
        return (
            None if voters is None else turnout_percent(voters, self.contest.electorate_of_record)
        )


def elections_with_results() -> QuerySet[Election]:
    """Public elections with a published result or whose polls have closed (their pages show
    acclamations and contests still being counted too), the most recent first."""
    return (
        Election.objects.public()
        .filter(
            Q(contests__results__state=ResultState.PUBLISHED)
            | Q(phase__in=[Phase.CLOSED, Phase.TALLIED, Phase.PUBLISHED])
        )
        .distinct()
        .order_by("-polling_closes_at", "name")
    )


def election_outcomes(election: Election) -> list[ContestOutcome]:
    """Every contest of an election with its published result (or its acclamation)."""

    approved = Candidacy.objects.filter(state=CandidacyState.APPROVED).select_related("candidate")
    contests = (
        election.contests.select_related("team")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=Result.objects.published(),
                to_attr="published_results",
            ),
            Prefetch("candidacies", queryset=approved, to_attr="approved"),
        )
        .order_by("kind", "name")
    )
    outcomes: list[ContestOutcome] = []
    for contest in contests:
        acclaimed: tuple[str, ...] = ()
        if contest.state == ContestState.ACCLAIMED:
            acclaimed = tuple(c.candidate.display_name for c in contest.approved)
        of_record: tuple[str, ...] = ()
        if contest.result_of_record:
            of_record = tuple(
                c.name_of_record or c.candidate.display_name
                for c in contest.approved
                if c.elected_of_record
            )
        published = contest.published_results[0] if contest.published_results else None
        outcomes.append(
            ContestOutcome(
                contest=contest,
                result=published,
                acclaimed=acclaimed,
                appointment=contest_appointment(contest),
                elected_of_record=of_record,
            )
        )
    return outcomes


def contests_settled_without_poll(*, election: Election | None = None) -> QuerySet[Contest]:
    """Public contests decided at the close of nominations (elected by acclamation, or left
    for an appointment), with what their feed items show; most recently settled first."""
    approved = Candidacy.objects.filter(state=CandidacyState.APPROVED).select_related("candidate")
    contests = (
        Contest.objects.filter(
            state__in=SETTLED_WITHOUT_POLL, election__in=Election.objects.public()
        )
        .select_related("election", "appointment__appointee")
        .prefetch_related(Prefetch("candidacies", queryset=approved, to_attr="approved"))
    )
    if election is not None:
        contests = contests.filter(election=election)
    return contests.order_by("-election__nominations_closes_at", "-settled_at", "name")


def result_problems(result: Result) -> list[str]:
    """Re-check a stored result from what was published; empty when everything agrees.

    Every file still has the hash recorded for it; the ballot file is the one whose hash the
    result names, re-counts to the same ranking, winners and pairwise matrix, and holds the
    same ballots as the contest's ballot box today.
    """

    problems: list[str] = []
    files = {stored.kind: stored for stored in result.files.all()}
    for stored in files.values():
        if hashlib.sha256(stored.content.encode("utf-8")).hexdigest() != stored.sha256:
            problems.append(f"{stored.get_kind_display()}: content does not match its SHA-256.")
    ballots_file = files.get("ballots_csv")
    if ballots_file is None:
        return [*problems, "The ballot file is missing."]
    if ballots_file.sha256 != result.ballot_file_sha256:
        problems.append("The ballot file is not the one the result names.")
    ballot_file = read_csv(ballots_file.content)
    if ballot_file.candidates != result.names:
        return [*problems, "The ballot file names other candidates."]
    ranks = ballot_file.expanded()
    if ballot_set_sha256(result.names, ranks) != result.ballot_set_sha256:
        problems.append("The ballot file holds other ballots than the ones counted.")
    rules = counting.CountRules(
        seats=result.seats,
        method=result.method,
        tie_seed=result.tie_seed,
        affiliations=tuple(choice.get("affiliation", "") for choice in result.candidates),
        max_per_affiliation=result.contest.max_per_affiliation,
        seats_held=tuple(sorted(result.contest.seated_affiliations.items())),
    )
    if tie_seed_sha256(result.tie_seed) != result.contest.tie_seed_sha256:
        problems.append("The tie seed counted with is not the one committed to by its SHA-256.")
    recount = counting.count_ballots(result.names, ranks, rules)
    for field in ("ranking", "winners", "pairwise", "tie_breaks", "affiliation_adjustments"):
        if getattr(recount, field) != getattr(result, field):
            problems.append(f"A re-count of the ballot file gives other {field.replace('_', ' ')}.")
    current = contest_ballot_matrix(result.contest)
    if ballot_set_sha256(current.names, current.ranks) != result.ballot_set_sha256:
        problems.append("The contest's ballot box no longer holds the ballots that were counted.")
    return problems + seal_problems(result.contest)


def seal_problems(contest: Contest) -> list[str]:
    """What no longer agrees with the contest's seal: its ballots changed after the seal (their
    digest differs from the one the seal recorded, in its row and in the audit trail), or the
    box held other than one ballot per voter record."""
    seal = ballot_box_seal(contest)
    if seal is None:
        return ["The contest's ballot box is not sealed."]
    problems: list[str] = []
    recorded = {seal.digest} | set(audited_seal_digests(contest))
    if len(recorded) != 1:
        problems.append("The seal's record and the audit trail name different ballot digests.")
    if sealed_ballots_digest_now(contest) not in recorded or not seal.digest:
        problems.append(
            "The sealed ballots were changed after the seal: they no longer add up to the "
            "digest recorded when the ballot box was sealed."
        )
    if seal.ballots != seal.voters:
        problems.append(
            f"The ballot box held {seal.ballots} ballots for {seal.voters} voters when it was "
            "sealed: ballots were added or removed in the database."
        )
    return problems
