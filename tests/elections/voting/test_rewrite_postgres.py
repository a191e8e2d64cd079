"""What the close-time rewrite removes from PostgreSQL's own bookkeeping (docs/secrecy.md).

During polling a ballot shares its transaction id (``xmin``) with the voter record written
with it; after the rewrite every ballot of the contest has one common ``xmin``, and the table
file was written anew (VACUUM FULL), so the old row versions are gone with it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from elections.voting.actions import ballot_cast
from elections.voting.models import Ballot, VoterRecord
from elections.voting.ranking import field_name, parse_ranking

from .conftest import option_keys

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): xmin and VACUUM are PostgreSQL's")


def _xmins(table: str, contest_id: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT xmin::text FROM {table} WHERE contest_id = %s",  # noqa: S608 - fixed names
            [contest_id],
        )
        return [row[0] for row in cursor.fetchall()]


def _filenode() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_filenode(%s)", [Ballot._meta.db_table])
        return int(cursor.fetchone()[0])


def test_rewrite_unlinks_ballots_from_voter_records_in_postgres_bookkeeping(
    make_poll: Any, make_user: Any, close_poll: Any
) -> None:
    voters = [make_user(f"voter{n}@example.org") for n in range(6)]
    contest = make_poll(electors=voters)
    keys = sorted(option_keys(contest).values())
    for n, voter in enumerate(voters):
        ranking = parse_ranking({field_name(keys[n % len(keys)]): ["1"]}, keys)
        ballot_cast(contest=contest, voter=voter, ranking=ranking)

    # The threat during polling: each ballot's xmin is the xmin of one voter record.
    ballot_xmins = _xmins(Ballot._meta.db_table, contest.pk)
    record_xmins = _xmins(VoterRecord._meta.db_table, contest.pk)
    assert sorted(ballot_xmins) == sorted(record_xmins)
    assert len(set(ballot_xmins)) == len(voters)
    file_before = _filenode()

    close_poll(contest)  # the rewrite commits, then VACUUM FULL runs after the commit

    after = _xmins(Ballot._meta.db_table, contest.pk)
    assert len(after) == len(voters)
    assert len(set(after)) == 1
    assert set(after).isdisjoint(record_xmins)
    assert _filenode() != file_before  # the table file was written anew
