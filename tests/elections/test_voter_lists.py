"""Electorates beyond commit data: an uploaded list, the TC's members.yaml, and the union of
contributors and a list, each belonging to one contest."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError  # noqa: F401 - imported for clarity

from accounts.models import RollEntry
from elections import actions
from elections.models import ContestElectorate, ContestKind, ContestVoter, Phase
from elections.voterlist import VoterListError, parse_members_yaml, parse_voter_csv

MEMBERS = Path(__file__).resolve().parents[2] / "data" / "openstack" / "members.yaml"

pytestmark = pytest.mark.django_db


def test_a_csv_list_is_read_with_an_optional_header_and_names() -> None:
    voters = parse_voter_csv(
        b"email,name\nAda@Example.org , Ada Lovelace\n\nbob@example.org\n", "list.csv"
    )
    assert [(v.email, v.name, v.line) for v in voters] == [
        ("ada@example.org", "Ada Lovelace", 2),
        ("bob@example.org", "", 4),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ada@example.org\nnot-an-address,Bob\n", "list.csv, line 2: 'not-an-address' is not"),
        (
            b"ada@example.org\nbob@example.org\nADA@example.org\n",
            "line 3: ada@example.org is listed twice (first on line 1)",
        ),  # fmt: skip
        (b"ada@example.org\nb\xe9b@example.org\n", "list.csv, line 2: not UTF-8"),
        (b"ada@example.org,Ada,extra\n", "line 1: 3 columns"),
        (b"\n\n", "list.csv: no addresses"),
    ],
)
def test_a_bad_list_is_refused_naming_the_line(content: bytes, message: str) -> None:
    with pytest.raises(VoterListError) as refused:
        parse_voter_csv(content, "list.csv")
    assert message in str(refused.value)


def test_the_tc_members_file_is_read_with_its_lines() -> None:
    members = parse_members_yaml(MEMBERS.read_bytes(), "members.yaml")
    assert len(members) == 9
    assert members[0].email == "amy@demarco.com" and members[0].line == 1
    assert members[2].name == "Goutham Pacha Ravi"
    with pytest.raises(VoterListError, match=r"members.yaml, line 3: a member without"):
        parse_members_yaml(b"- name: A\n  email: a@example.org\n- name: B\n", "members.yaml")


def _settle_roll(election: Any, official: Any, capture: Any) -> Any:
    election = actions.election_phase_move(
        election=election, to_phase=Phase.NOMINATIONS, actor=official, reason="open"
    )
    return election


def test_a_tc_chair_contest_from_members_yaml_has_the_members_alone_on_its_roll(
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    official: Any,
    tmp_path: Path,
) -> None:
    nova = make_team()
    contribute(nova, "dev@example.org")
    election = make_election()
    chair = make_contest(election, kind=ContestKind.TC, name="TC chair", slug="chair")
    tc = make_contest(election, kind=ContestKind.TC, seats=2)
    out = StringIO()
    call_command(
        "election", election.slug, "--actor", official.email, "voters", "chair", str(MEMBERS),
        stdout=out,
    )  # fmt: skip
    assert "9 voters listed (members.yaml)" in out.getvalue()
    chair.refresh_from_db()
    assert chair.electorate == ContestElectorate.LIST
    election = actions.election_phase_move(
        election=election, to_phase=Phase.NOMINATIONS, actor=official, reason="open"
    )
    chair.refresh_from_db()
    tc.refresh_from_db()
    chair_roll = set(
        RollEntry.objects.filter(roll=chair.nomination_roll).values_list("email", flat=True)
    )
    assert len(chair_roll) == 9 and "gouthampravi@gmail.com" in chair_roll
    assert "dev@example.org" not in chair_roll
    # The listed members belong to the chair's contest only, not to the TC's roll.
    tc_roll = set(RollEntry.objects.filter(roll=tc.nomination_roll).values_list("email", flat=True))
    assert tc_roll == {"dev@example.org"}
    entry = RollEntry.objects.get(roll=chair.nomination_roll, email="amy@demarco.com")
    assert "members.yaml, line 1" in entry.reasons
    # Frozen from the opening of nominations: the list can no longer change.
    with pytest.raises(CommandError, match="only while the election is a draft"):
        call_command(
            "election", election.slug, "--actor", official.email, "voters", "chair", str(MEMBERS)
        )


def test_a_list_added_to_the_contributors_makes_one_roll_of_both(
    make_team: Any,
    contribute: Any,
    make_user: Any,
    make_election: Any,
    make_contest: Any,
    official: Any,
    tmp_path: Path,
) -> None:
    nova = make_team()
    contribute(nova, "dev@example.org")
    make_user("dev@example.org", verified=("dev@example.org", "dev@home.example.org"))
    election = make_election()
    ptl = make_contest(election, team=nova)
    listed = tmp_path / "extra.csv"
    listed.write_text("writer@example.org,Tech Writer\ndev@home.example.org\n")
    call_command(
        "election", election.slug, "--actor", official.email, "voters", "nova", str(listed),
        "--with-contributors",
    )  # fmt: skip
    actions.election_phase_move(
        election=election, to_phase=Phase.NOMINATIONS, actor=official, reason="open"
    )
    ptl.refresh_from_db()
    roll = dict(RollEntry.objects.filter(roll=ptl.nomination_roll).values_list("email", "reasons"))
    # dev's second address is theirs: one person, both reasons; the writer joins.
    assert set(roll) == {"dev@example.org", "writer@example.org"}
    assert "1 contributions" in roll["dev@example.org"]
    assert "extra.csv, line 2" in roll["dev@example.org"]


def test_a_bad_upload_is_refused_whole_and_the_previous_list_stays(
    make_election: Any, make_contest: Any, official: Any, tmp_path: Path
) -> None:
    election = make_election()
    make_contest(election, kind=ContestKind.TC, name="TC chair", slug="chair")
    good = tmp_path / "good.csv"
    good.write_text("a@example.org\nb@example.org\n")
    call_command("election", election.slug, "--actor", official.email, "voters", "chair", str(good))
    bad = tmp_path / "bad.csv"
    bad.write_text("c@example.org\nd@example.org\nnope\n")
    with pytest.raises(CommandError, match=r"bad.csv, line 3: 'nope' is not an e-mail address"):
        call_command(
            "election", election.slug, "--actor", official.email, "voters", "chair", str(bad)
        )
    assert set(ContestVoter.objects.values_list("email", flat=True)) == {
        "a@example.org",
        "b@example.org",
    }


def test_a_candidate_official_cannot_set_the_list_of_their_contest(
    make_election: Any, make_contest: Any, official: Any, make_user: Any, tmp_path: Path
) -> None:
    stranger = make_user("stranger@example.org")
    election = make_election()
    contest = make_contest(election, kind=ContestKind.TC, name="TC chair", slug="chair")
    with pytest.raises(actions.ElectionError, match="Only the officials"):
        actions.contest_voter_list_set(
            contest=contest,
            actor=stranger,
            voters=parse_voter_csv(b"a@example.org\n"),
            filename="x.csv",
        )


def test_officials_upload_a_list_in_the_panel_and_a_bad_file_changes_nothing(
    client: Any, official: Any, make_election: Any, make_contest: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    election = make_election()
    chair = make_contest(election, kind=ContestKind.TC, name="TC chair", slug="chair")
    client.force_login(official)
    url = reverse("officials_contest_voters", kwargs={"slug": election.slug, "pk": chair.pk})
    bad = SimpleUploadedFile("people.csv", b"a@example.org\na@example.org\n")
    page = client.post(url, {"upload": bad, "electorate": "list"})
    assert page.status_code == 200
    assert "people.csv, line 2: a@example.org is listed twice" in page.content.decode()
    assert not ContestVoter.objects.exists()
    members = SimpleUploadedFile("members.yaml", MEMBERS.read_bytes())
    answer = client.post(url, {"upload": members, "electorate": "commits_and_list"})
    assert answer.status_code == 302
    chair.refresh_from_db()
    assert chair.electorate == ContestElectorate.COMMITS_AND_LIST
    assert ContestVoter.objects.filter(contest=chair).count() == 9
    assert "members.yaml, line 1" in client.get(url).content.decode()
