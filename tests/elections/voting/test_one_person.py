"""One person, one vote: addresses known to be one person are one roll entry, and a second
account of that person cannot vote again; turnout counts people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from accounts.actions import gerrit_ingest
from accounts.models import IdentityLink, RollEntry
from elections.voting import selectors
from elections.voting.actions import AlreadyVoted, ballot_cast
from elections.voting.models import VoterRecord
from elections.voting.ranking import field_name, parse_ranking

from .conftest import option_keys

pytestmark = pytest.mark.django_db


def _export(path: Path) -> Path:
    """One merged change whose owner and uploader are one Gerrit account under two addresses
    that no .mailmap joins."""
    change = {
        "project": "openstack/nova",
        "number": 1,
        "id": "I1",
        "owner": {"name": "Pat", "email": "pat@work.example", "username": "pat", "_account_id": 42},
        "lastUpdated": 1760000000,
        "status": "MERGED",
        "patchSets": [
            {
                "number": 1,
                "revision": "1" * 40,
                "uploader": {"name": "Pat", "email": "pat@home.example", "_account_id": 42},
                "approvals": [],
            }
        ],
    }
    path.write_text(json.dumps(change) + "\n")
    return path


def test_two_accounts_of_one_person_vote_once(
    make_poll: Any, make_user: Any, tmp_path: Path
) -> None:
    gerrit_ingest(path=_export(tmp_path / "export.json"))
    assert set(IdentityLink.objects.values_list("identity", "email")) == {
        ("gerrit:42", "pat@work.example"),
        ("gerrit:42", "pat@home.example"),
        ("gerrit-user:pat", "pat@work.example"),
    }
    work = make_user("pat@work.example")
    home = make_user("pat@home.example")
    contest = make_poll(electors=[work, home])
    # One entry for the person, with both addresses.
    (entry,) = RollEntry.objects.filter(roll_id=contest.roll_id)
    assert sorted(entry.addresses.values_list("email", flat=True)) == [
        "pat@home.example",
        "pat@work.example",
    ]
    keys = sorted(option_keys(contest).values())
    ranking = parse_ranking({field_name(keys[0]): ["1"]}, keys)
    ballot_cast(contest=contest, voter=work, ranking=ranking)
    with pytest.raises(AlreadyVoted, match="one person has one vote"):
        ballot_cast(contest=contest, voter=home, ranking=ranking)
    assert VoterRecord.objects.filter(contest=contest).count() == 1
    turnout = selectors.turnout(contest)
    assert (turnout.voted, turnout.electorate) == (1, 1)


def test_the_eligibility_page_explains_the_merge(
    make_user: Any, tmp_path: Path, client: Any
) -> None:
    from django.urls import reverse

    gerrit_ingest(path=_export(tmp_path / "export.json"))
    make_user("pat@work.example", password="correct horse battery staple")
    assert client.login(username="pat@work.example", password="correct horse battery staple")
    page = client.get(reverse("eligibility")).content.decode()
    assert "Counted as you" in page
    assert "pat@home.example: the same Gerrit account (id 42)" in page
