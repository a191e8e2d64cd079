"""Ballot secrecy against someone who holds PostgreSQL itself (docs/secrecy.md).

Read as a database administrator would: the table pages through ``pageinspect`` (live and
dead row versions with their ``xmin``/``xmax``), the WAL's bytes through
``pg_read_binary_file`` and its records through ``pg_waldump``. Each test names the row of
the threat-model table it proves.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from elections.models import Contest
from elections.voting import actions
from elections.voting.actions import ballot_cast, ballot_change, ballots_seal
from elections.voting.boxcrypt import box_table
from elections.voting.keys import key_exists
from elections.voting.models import SealedBlock, VoterRecord
from elections.voting.ranking import field_name, parse_ranking
from elections.voting.receipts import ballot_tracker, receipt_hash

from .box import key_id_of, sealed_count, sealed_rows
from .conftest import option_keys

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VOTERS = 8


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): xmin, pageinspect and the WAL")
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")


def _sql(query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall()


def _tuples(table: str) -> list[tuple[int, int, bytes]]:
    """Every row version still in ``table``'s pages, live or dead: (xmin, xmax, bytes)."""
    pages = _sql(
        "SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int", [table]
    )[0][0]
    found: list[tuple[int, int, bytes]] = []
    for page in range(pages):
        found += [
            (int(xmin), int(xmax), bytes(data or b""))
            for xmin, xmax, data in _sql(
                "SELECT t_xmin::text::bigint, t_xmax::text::bigint, t_data "
                "FROM heap_page_items(get_raw_page(%s, %s)) WHERE lp_flags = 1",
                [table, page],
            )
        ]
    return found


def _lsn() -> str:
    return _sql("SELECT pg_current_wal_insert_lsn()::text")[0][0]


def _lsn_number(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def _wal_between(start: str, end: str) -> bytes:
    """The WAL's bytes from ``start`` to ``end`` exactly, read through SQL."""
    segment = int(_sql("SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'")[0][0])
    first, last = _lsn_number(start), _lsn_number(end)
    chunks: list[bytes] = []
    for base in range(first - first % segment, last, segment):
        # pg_walfile_name() names the segment before an LSN on a boundary: ask one byte in.
        inside = base + 1
        name = _sql(
            "SELECT pg_walfile_name(%s::pg_lsn)", [f"{inside >> 32:X}/{inside & 0xFFFFFFFF:X}"]
        )
        offset = max(first, base) - base
        length = min(last, base + segment) - base - offset
        chunks.append(
            bytes(
                _sql(
                    "SELECT pg_read_binary_file(%s, %s, %s)",
                    [f"pg_wal/{name[0][0]}", offset, length],
                )[0][0]
            )
        )
    return b"".join(chunks)


def _choice_keys(contest: Contest) -> list[str]:
    return sorted(option_keys(contest).values())


@pytest.fixture
def cast_poll(make_poll: Any, make_user: Any) -> Iterator[dict[str, Any]]:
    """A poll of ``VOTERS`` electors; every one casts, and the first changes their vote."""
    voters = [make_user(f"secret{n}@example.org") for n in range(VOTERS)]
    contest = make_poll(electors=voters)
    keys = _choice_keys(contest)
    start = _lsn()
    codes: list[str] = []
    rankings: list[dict[str, int]] = []
    for n, voter in enumerate(voters):
        ranking = parse_ranking(
            {field_name(keys[n % len(keys)]): ["1"], field_name(keys[(n + 1) % len(keys)]): ["2"]},
            keys,
        )
        codes.append(ballot_cast(contest=contest, voter=voter, ranking=ranking))
        rankings.append(ranking.as_dict())
    changed = parse_ranking({field_name(keys[3]): ["1"]}, keys)
    codes[0] = ballot_change(contest=contest, voter=voters[0], receipt=codes[0], ranking=changed)
    rankings[0] = changed.as_dict()
    yield {
        "contest": contest,
        "voters": voters,
        "codes": codes,
        "rankings": rankings,
        "start": start,
        "keys": keys,
    }


def _secrets(poll: dict[str, Any]) -> list[bytes]:
    """What must never sit in the clear next to a voter during polling."""
    codes = poll["codes"]
    return [
        *(receipt_hash(code).encode() for code in codes),
        *(
            ballot_tracker(code, ranks).encode()
            for code, ranks in zip(codes, poll["rankings"], strict=True)
        ),
        *(code.encode() for code in codes),
        *(key.encode() for key in poll["keys"]),
    ]


def test_during_polling_the_database_and_its_wal_hold_only_ciphertext(
    cast_poll: dict[str, Any],
) -> None:
    """Threat model: database administrator, backup or WAL holder, during polling."""
    contest = cast_poll["contest"]
    table = box_table(contest.pk)
    record_xmins = {xmin for xmin, _, _ in _tuples(VoterRecord._meta.db_table)}
    box = _tuples(table)
    # The link PostgreSQL keeps is there (each voter record shares its transaction with a
    # box row, the changed vote's dead row included; its new row has the change's own) ...
    assert len(box) == VOTERS + 1
    assert len({xmin for xmin, _, _ in box} & record_xmins) == VOTERS
    # ... but it leads to ciphertext: no receipt, receipt hash, tracker or choice in the clear,
    # in the box's pages or anywhere in the WAL written while the ballots were cast.
    pages = b"".join(data for _, _, data in box)
    wal = _wal_between(cast_poll["start"], _lsn())
    # The WAL read is the real one: each box row's lookup, stored in the clear, is in it.
    lookups = _sql(f"SELECT lookup FROM {table}")  # noqa: S608 - a box table's name
    assert lookups and all(lookup.encode() in wal for (lookup,) in lookups)
    for secret in _secrets(cast_poll):
        assert secret not in pages
        assert secret not in wal
    assert sealed_count(contest) == 0
    # Changing a vote neither updates nor locks the voter record: no xmax marks who changed.
    assert all(xmax == 0 for _, xmax, _ in _tuples(VoterRecord._meta.db_table))


def test_after_a_seal_with_a_snapshot_held_open_no_row_joins_a_voter_to_a_ballot(
    cast_poll: dict[str, Any], close_poll: Any
) -> None:
    """Threat model: database administrator and backup holder, after the seal; the seal
    runs while another transaction holds a snapshot that could still see the box's rows."""
    contest = cast_poll["contest"]
    table = box_table(contest.pk)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SELECT count(*) FROM {VoterRecord._meta.db_table}")  # noqa: S608
            assert cursor.fetchone()[0] >= VOTERS
            before_seal = _lsn()
            close_poll(contest)
            cursor.execute(f"SELECT count(*) FROM {VoterRecord._meta.db_table}")  # noqa: S608
            cursor.execute("COMMIT")
    finally:
        other.close()

    assert _sql("SELECT to_regclass(%s)", [table])[0][0] is None  # the box is gone, files too
    assert not key_exists(key_id_of(contest))  # and its key: the old ciphertext is unreadable
    record_xmins = {xmin for xmin, _, _ in _tuples(VoterRecord._meta.db_table)}
    sealed = _tuples(SealedBlock._meta.db_table)
    assert len(sealed) == 1  # the VOTERS ballots in one block
    assert len({xmin for xmin, _, _ in sealed}) == 1  # written together by the seal
    assert not {xmin for xmin, _, _ in sealed} & record_xmins
    # Every counted ballot is there, each with its receipt hash and tracker, in the order of
    # the receipt hashes (random codes' hashes), which is not the order of the casts.
    rows = sealed_rows(contest)
    assert [hashed for hashed, _, _ in rows] == sorted(hashed for hashed, _, _ in rows)
    stored = {(hashed, tracker) for hashed, tracker, _ in rows}
    expected = {
        (receipt_hash(code), ballot_tracker(code, ranks))
        for code, ranks in zip(cast_poll["codes"], cast_poll["rankings"], strict=True)
    }
    assert stored == expected
    # The WAL of the seal writes the ballots in one transaction that writes no voter record.
    if shutil.which("pg_waldump") or Path(_waldump()).exists():
        writers = _wal_writers(before_seal, _lsn())
        ballot_writers = writers.get(_filenode(SealedBlock._meta.db_table), set())
        ballot_writers |= writers.get(_toast_filenode(SealedBlock._meta.db_table), set())
        record_writers = writers.get(_filenode(VoterRecord._meta.db_table), set())
        assert len(ballot_writers) == 1 and not ballot_writers & record_writers


def _filenode(table: str) -> int:
    return int(_sql("SELECT pg_relation_filenode(%s)", [table])[0][0])


def _toast_filenode(table: str) -> int:
    """The file of the table's TOAST relation, where large blocks' columns are stored."""
    toast = _sql(
        "SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = %s::regclass", [table]
    )
    return _filenode(toast[0][0])


def _waldump() -> str:
    version = _sql("SHOW server_version_num")[0][0]
    return f"/usr/lib/postgresql/{int(version) // 10000}/bin/pg_waldump"


def _wal_writers(start: str, end: str) -> dict[int, set[int]]:
    """relfilenode -> ids of the transactions whose WAL records write to it."""
    import tempfile

    _sql("SELECT pg_switch_wal()")
    first, last = _sql(
        "SELECT pg_walfile_name(%s::pg_lsn), pg_walfile_name(%s::pg_lsn)", [start, end]
    )[0]
    writers: dict[int, set[int]] = {}
    with tempfile.TemporaryDirectory() as directory:
        for (name,) in _sql("SELECT name FROM pg_ls_waldir() ORDER BY name"):
            if re.fullmatch(r"[0-9A-F]{24}", name) and first <= name <= last:
                content = bytes(_sql("SELECT pg_read_binary_file(%s)", [f"pg_wal/{name}"])[0][0])
                Path(directory, name).write_bytes(content)
        dump = subprocess.run(
            [_waldump(), "--path", directory, "--start", start, "--end", end],
            capture_output=True,
            text=True,
            check=False,
        )
    for line in dump.stdout.splitlines():
        tx = re.search(r"tx:\s+(\d+)", line)
        if not tx or int(tx.group(1)) == 0:
            continue
        for node in re.findall(r"rel \d+/\d+/(\d+)", line):
            writers.setdefault(int(node), set()).add(int(tx.group(1)))
    return writers


def test_the_seal_locks_no_other_contest(
    make_poll: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Threat model row "seal": the seal holds an exclusive lock on its own box only, and a
    ballot in another contest goes in while it runs."""
    from elections.actions import election_phase_move, phases

    # The close's queued seal would run in this process at once: the test seals by hand.
    monkeypatch.setattr(phases, "enqueue_on_commit", lambda *args, **kwargs: None)

    voters = [make_user(f"lock{n}@example.org") for n in range(3)]
    sealing = make_poll(electors=voters)
    other = make_poll(electors=voters)
    keys = _choice_keys(sealing)
    for voter in voters[:2]:
        ranking = parse_ranking({field_name(keys[0]): ["1"]}, keys)
        ballot_cast(contest=sealing, voter=voter, ranking=ranking)
    election_phase_move(election=sealing.election, to_phase="closed", actor=None, reason="")
    # The box's own relations: its table, its TOAST table and their indexes.
    box_oids = {
        oid
        for (oid,) in _sql(
            "WITH t AS (SELECT oid, reltoastrelid FROM pg_class WHERE oid = %s::regclass) "
            "SELECT oid FROM t UNION SELECT reltoastrelid FROM t "
            "UNION SELECT indexrelid FROM pg_index, t "
            "WHERE indrelid IN (t.oid, t.reltoastrelid)",
            [box_table(sealing.pk)],
        )
    }

    dropped = threading.Event()
    release = threading.Event()
    real_drop = actions.boxes.box_drop

    def paused_drop(contest_id: int) -> None:
        real_drop(contest_id)
        dropped.set()
        release.wait(30)

    seal_pid: list[int] = []

    def seal() -> None:
        try:
            seal_pid.append(_sql("SELECT pg_backend_pid()")[0][0])
            ballots_seal(contest=Contest.objects.get(pk=sealing.pk))
        finally:
            connection.close()

    import elections.voting.actions.sealing as sealing_module

    sealing_module.box_drop = paused_drop
    thread = threading.Thread(target=seal)
    try:
        thread.start()
        assert dropped.wait(30)
        exclusive = {
            oid
            for (oid,) in _sql(
                "SELECT relation FROM pg_locks WHERE pid = %s AND mode = 'AccessExclusiveLock' "
                "AND relation IS NOT NULL",
                [seal_pid[0]],
            )
        }
        assert exclusive <= box_oids
        other_keys = _choice_keys(other)
        code = ballot_cast(
            contest=Contest.objects.select_related("election").get(pk=other.pk),
            voter=voters[2],
            ranking=parse_ranking({field_name(other_keys[1]): ["1"]}, other_keys),
        )
        assert code
    finally:
        release.set()
        thread.join(30)
        sealing_module.box_drop = real_drop
    assert sealed_count(sealing) == 2
