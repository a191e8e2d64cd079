"""The poll the load benches vote in, and the checks after it: an election in polling whose
electorate is N new accounts with signed-in sessions, a closed contest of a million ballots
to seal, every ballot found again by its voter's receipt, the count and publication.

Used by ``bench/load_vote.py`` and ``bench/faults.py``; Django is set up by the caller.
"""

from __future__ import annotations

import datetime
import hashlib
import time

from load_client import PASSWORD, Voter

OPTIONS = ("Ada", "Brian", "Carol", "Dennis", "Edsger", "Frances")
# Each option's description, as a community vote's officials write them: a short paragraph
# of Markdown with emphasis, a link and a list, shown on every ballot page.
DESCRIPTION = (
    "**{name}** is proposed by the community for this release.\n\n"
    "It was chosen from the names suggested on the mailing list; the reasons given were:\n\n"
    "- it is short, easy to spell and to say in several languages;\n"
    "- it has no known trademark in the software field;\n"
    "- it follows the alphabetical series of earlier releases.\n\n"
    "See [the proposal](https://example.org/release-names/{name}) for the discussion, the "
    "pronunciation and the _trademark search_ the Foundation ran."
)
BENCH_REASON = "Load test elector"
SEAL_CANDIDATES = 20
# The first voters sign in through the sign-in form (allauth: verified address, password);
# the rest get their session row directly (the password hasher's cost, ~0.3 s of CPU per
# sign-in by design, is not what this measures).
FORM_SIGN_INS = 20


def build_poll(
    voter_count: int, run: str, extra_contests: tuple[str, ...] = ()
) -> tuple[int, str, str, list[Voter]]:
    """A community vote in polling with ``voter_count`` electors; returns contest id, slugs.

    With ``extra_contests`` (slugs) the election holds more votes with the same options and
    electorate, so that the same voters can cast again in other measurements.
    """
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from accounts.models import ExtraVoter, ExtraVoterSource, User
    from elections.actions import contest_create, option_create
    from elections.models import Phase
    from elections.scenarios import scenario_election, scenario_move

    # Hand-added voters count in every later roll: those of earlier runs would swell this
    # run's electorate, so they go (their frozen rolls keep their addresses).
    ExtraVoter.objects.filter(reason=BENCH_REASON).delete()
    emails = [f"bench-{run}-{index}@example.org" for index in range(voter_count)]
    # One real password, hashed once (the hasher's cost is deliberate), for those who sign in
    # through the form; the others get no usable password.
    hashed = make_password(PASSWORD)
    User.objects.bulk_create(
        [
            User(email=email, password=hashed if i < FORM_SIGN_INS else "!", full_name=f"Voter {i}")
            for i, email in enumerate(emails)
        ],
        batch_size=2000,
    )
    users = list(User.objects.filter(email__in=emails).order_by("pk"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=2000,
    )
    # Hand-added voters, exactly as voter_add() writes them, in bulk for speed.
    ExtraVoter.objects.bulk_create(
        [
            ExtraVoter(email=u.email, reason=BENCH_REASON, source=ExtraVoterSource.MANUAL)
            for u in users
        ],
        batch_size=2000,
    )
    election = scenario_election(
        official=None,
        name=f"Load test {run}",
        slug=f"load-{run}",
        opens=timezone.now() - datetime.timedelta(hours=1),
    )
    contest = contest_create(
        election=election, actor=None, kind="community", name="Release name", slug="release"
    )
    for option in OPTIONS:
        option_create(
            contest=contest, actor=None, name=option, description=DESCRIPTION.format(name=option)
        )
    for slug in extra_contests:
        other = contest_create(
            election=election, actor=None, kind="community", name=slug.title(), slug=slug
        )
        for option in OPTIONS:
            option_create(
                contest=other, actor=None, name=option, description=DESCRIPTION.format(name=option)
            )
    election = scenario_move(election, Phase.NOMINATIONS, actor=None, reason="bench")
    scenario_move(election, Phase.POLLING, actor=None, reason="bench")

    # Polls open days after the roll is frozen, by when autovacuum has analysed the new rows.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    voters = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        voters.append(Voter(user.pk, user.email, session_key=store.session_key or ""))
    return contest.pk, election.slug, contest.slug, voters


def closed_box(ballots: int, seed: int) -> object:
    """A closed contest of another election, its box holding ``ballots`` random ballots
    encrypted as casts would store them (bench/results_tally.py builds it)."""
    import results_tally
    from django.conf import settings

    # The builder's candidacy mails are not the bench's business.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return results_tally.closed_contest(SEAL_CANDIDATES, ballots, seed, slug="sealed-box")


def dense(ranks: dict[str, int]) -> dict[str, int]:
    levels = {rank: index for index, rank in enumerate(sorted(set(ranks.values())), start=1)}
    return {key: levels[rank] for key, rank in ranks.items()}


def ballots_by_receipt_hash(contest_id: int) -> dict[str, dict[str, int]]:
    """Every ballot of the contest by receipt hash, as {choice key: rank}: the sealed ballots
    once the box is sealed, else its open box decrypted with the contest key, as only the
    key's holder can."""
    from elections.models import Contest
    from elections.voting.actions.boxes import box_key, box_order, box_rows, open_box
    from elections.voting.ballot_reads import sealed_ballots
    from elections.voting.boxcrypt import open_ballot
    from elections.voting.models import BallotBoxSeal

    seal_row = BallotBoxSeal.objects.filter(contest_id=contest_id).first()
    if seal_row is not None:
        sealed = sealed_ballots(Contest.objects.get(pk=contest_id), receipts=True)
        assert sealed.receipt_hashes is not None  # noqa: S101 - asked for above
        return {
            digest.decode("ascii"): {
                key: rank for key, rank in zip(sealed.choice_keys, row, strict=True) if rank
            }
            for digest, row in zip(
                sealed.receipt_hashes.tolist(), sealed.ranks.tolist(), strict=True
            )
        }
    box = open_box(contest_id)
    if box is None:
        return {}
    key = box_key(contest_id, box)
    choice_keys = box_order(contest_id, key, box)
    opened = (
        open_ballot(key, contest_id=contest_id, lookup=lookup, blob=blob, choice_keys=choice_keys)
        for lookup, blob in box_rows(contest_id)
    )
    return {ballot.receipt_hash: ballot.ranks for ballot in opened}


def seal(contest_id: int) -> float:
    """Close the contest's election if it polls, then seal its ballot box; the seconds the
    seal took."""
    from elections.actions import election_phase_move
    from elections.models import Contest, Phase
    from elections.voting.actions import ballots_seal

    contest = Contest.objects.select_related("election").get(pk=contest_id)
    if contest.election.phase == Phase.POLLING:
        election_phase_move(
            election=contest.election, to_phase=Phase.CLOSED, actor=None, reason="bench"
        )
        contest.refresh_from_db()
    started = time.perf_counter()
    ballots_seal(contest=contest)
    return time.perf_counter() - started


def check_ballots(contest_id: int, voters: list[Voter]) -> list[str]:
    """Ballots (sealed ones once the box is sealed) = voter records = confirmed casts =
    voters, and every ballot, found by the hash of the receipt its voter was shown, ranks as
    that voter sent."""
    from elections.voting.models import BallotBoxSeal, VoterRecord

    problems = []
    by_hash = ballots_by_receipt_hash(contest_id)
    stored = len(by_hash)
    seal_row = BallotBoxSeal.objects.filter(contest_id=contest_id).first()
    # A doubled ballot would share its receipt hash: the seal's count tells it.
    rows = seal_row.ballots if seal_row is not None else stored
    records = VoterRecord.objects.filter(contest_id=contest_id).count()
    cast = sum(1 for voter in voters if voter.receipt)
    print(
        f"  {'sealed' if seal_row else 'stored'} ballots {rows} ({stored} receipts), "
        f"voter records {records}, confirmed casts {cast}, voters {len(voters)}"
    )
    if not rows == stored == records == cast == len(voters):
        problems.append(f"counts differ in contest {contest_id}")
    altered = 0
    for voter in voters:
        if not voter.receipt:
            continue
        digest = hashlib.sha256(voter.receipt.encode()).hexdigest()
        if dense(by_hash.get(digest) or {}) != dense(voter.ranks):
            altered += 1
    print(f"  ballots exactly as cast: {cast - altered} of {cast}")
    if altered:
        problems.append(f"{altered} ballots missing or altered")
    return problems


def publish(contest_id: int) -> None:
    """Count and publish the contest (sealed already)."""
    from elections.models import Contest
    from elections.results.actions import result_publish, result_tally

    started = time.perf_counter()
    result = result_tally(contest=Contest.objects.get(pk=contest_id))
    print(f"tally of {result.ballot_count} ballots: {time.perf_counter() - started:.2f} s")
    result_publish(result=result, actor=None)
