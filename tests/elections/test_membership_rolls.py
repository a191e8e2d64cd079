"""An election requiring Foundation membership: its rolls hold only the contributors who are
individual members (OpenStack charter), every reader sees that one roll, the eligibility page
says why a contributor who is not a member cannot vote, and without a membership list the
nominations do not open on empty rolls."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from accounts.selectors import user_on_roll
from audit.models import AuditEntry
from elections import actions
from elections.models import ContestKind, Election, Phase

pytestmark = pytest.mark.django_db
QUIET = {"stdout": open("/dev/null", "w")}  # noqa: SIM115
URL = "/eligibility/"

# Ann is a member under two addresses and contributes with the second; Bob contributes and
# is no member; Cleo's membership address is verified on her account beside the one she
# contributes with; Dan is a member under an address he never contributed with.
MEMBERS = (
    "member_id,name,addresses,affiliation\n"
    "1,Ann,ann@home.example ann@work.example,ACME\n"
    "2,Cleo,cleo@foundation.example,Initech\n"
    "3,Dan,dan@example.org,ACME\n"
)


def _import_members(tmp_path: Path, text: str = MEMBERS) -> None:
    listing = tmp_path / "members.csv"
    listing.write_text(text)
    call_command("import_members", str(listing), **QUIET)


def _text(response: Any) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(unescape(body).split())


@pytest.fixture
def nova_election(
    make_election: Any, make_contest: Any, make_team: Any, contribute: Any, make_user: Any
) -> Election:
    nova = make_team("Nova", "nova")
    for address in ("ann@work.example", "bob@example.org", "cleo@example.org"):
        contribute(nova, address)
    make_user("ann@work.example")
    make_user("bob@example.org")
    make_user("cleo@example.org", verified=("cleo@example.org", "cleo@foundation.example"))
    election = make_election(requires_membership=True)
    make_contest(election, team=nova)
    make_contest(election, kind=ContestKind.TC, seats=2)
    return election


def _roll_emails(contest: Any) -> set[str]:
    contest.refresh_from_db()
    return set(contest.nomination_roll.entries.values_list("email", flat=True))


def test_only_members_are_on_the_rolls_of_an_election_requiring_membership(
    nova_election: Election, open_nominations: Any, tmp_path: Path
) -> None:
    _import_members(tmp_path)
    open_nominations(nova_election)
    ptl = nova_election.contests.get(kind=ContestKind.PTL)
    tc = nova_election.contests.get(kind=ContestKind.TC)
    # Ann by her second address, Cleo by the membership address verified on her account.
    assert _roll_emails(ptl) == {"ann@work.example", "cleo@example.org"}
    assert _roll_emails(tc) == {"ann@work.example", "cleo@example.org"}
    from accounts.models import User

    assert not user_on_roll(User.objects.get(email="bob@example.org"), ptl.nomination_roll)
    assert user_on_roll(User.objects.get(email="ann@work.example"), ptl.nomination_roll)
    # The change of who may vote is in the roll's audit entry.
    freeze = AuditEntry.objects.filter(action="roll.freeze").order_by("pk").first()
    assert freeze.detail["members_only"] is True and freeze.detail["not_members"] == 1


def test_without_the_requirement_every_contributor_is_on_the_roll(
    nova_election: Election, open_nominations: Any, tmp_path: Path, official: Any
) -> None:
    _import_members(tmp_path)
    actions.election_update(election=nova_election, actor=official, requires_membership=False)
    open_nominations(nova_election)
    ptl = nova_election.contests.get(kind=ContestKind.PTL)
    assert "bob@example.org" in _roll_emails(ptl)


def test_requiring_membership_with_no_list_imported_refuses_to_open_nominations(
    nova_election: Election, open_nominations: Any
) -> None:
    with pytest.raises(actions.IllegalPhaseMove, match="no membership list has been imported"):
        open_nominations(nova_election)
    nova_election.refresh_from_db()
    assert nova_election.phase == Phase.DRAFT


def test_a_contributor_who_is_not_a_member_may_not_stand_for_ptl(
    nova_election: Election, open_nominations: Any, tmp_path: Path
) -> None:
    from accounts.models import User

    _import_members(tmp_path)
    open_nominations(nova_election)
    ptl = nova_election.contests.get(kind=ContestKind.PTL)
    bob = User.objects.get(email="bob@example.org")
    with pytest.raises(actions.CandidacyRefused, match="requires Foundation individual member"):
        actions.candidacy_submit(contest=ptl, candidate=bob, platform="P")
    ann = User.objects.get(email="ann@work.example")
    assert actions.candidacy_submit(contest=ptl, candidate=ann, platform="P").pk


def test_the_eligibility_page_says_a_contributor_is_no_member_and_how_to_fix_it(
    nova_election: Election, open_nominations: Any, tmp_path: Path, client: Any
) -> None:
    from accounts.models import User

    _import_members(tmp_path)
    open_nominations(nova_election)
    client.force_login(User.objects.get(email="bob@example.org"))
    page = _text(client.get(URL))
    assert "Foundation membership required" in page
    assert "You are not a member" in page
    assert "Not a member" in page and "On the roll" not in page
    assert "you cannot vote" in page and "requires Foundation individual membership" in page
    assert "join the foundation" in page.lower()
    assert "add the address you contribute with to your membership" in page


def test_the_eligibility_page_of_a_member_says_so(
    nova_election: Election, open_nominations: Any, tmp_path: Path, client: Any
) -> None:
    from accounts.models import User

    _import_members(tmp_path)
    open_nominations(nova_election)
    client.force_login(User.objects.get(email="ann@work.example"))
    page = _text(client.get(URL))
    assert "You are a member" in page
    assert "Your address ann@work.example belongs to a Foundation individual member" in page
    assert "On the roll" in page and "Not a member" not in page


def test_the_eligibility_page_says_nothing_of_membership_when_not_required(
    nova_election: Election, open_nominations: Any, tmp_path: Path, client: Any, official: Any
) -> None:
    from accounts.models import User

    _import_members(tmp_path)
    actions.election_update(election=nova_election, actor=official, requires_membership=False)
    open_nominations(nova_election)
    client.force_login(User.objects.get(email="bob@example.org"))
    page = _text(client.get(URL))
    assert "Foundation membership required" not in page and "On the roll" in page


def test_an_imported_openstack_election_requires_membership_once_a_list_is_imported(
    tmp_path: Path,
) -> None:
    configuration = Path("data/openstack/configuration.yaml")
    call_command("import_election", str(configuration), "--slug", "before", **QUIET)
    assert Election.objects.get(slug="before").requires_membership is False
    _import_members(tmp_path)
    call_command("import_election", str(configuration), "--slug", "after", **QUIET)
    assert Election.objects.get(slug="after").requires_membership is True


def test_a_members_only_roll_with_no_list_is_an_error_not_an_empty_roll() -> None:
    from accounts.membership import NoMembershipList
    from accounts.selectors import roll_compute

    with pytest.raises(NoMembershipList, match="no membership list has been imported"):
        roll_compute(team=None, members_only=True)


def test_manage_py_roll_members_only_gives_the_frozen_roll(
    nova_election: Election, open_nominations: Any, tmp_path: Path
) -> None:
    """Two officials can recompute a members-only roll and compare the fingerprints."""
    from io import StringIO

    _import_members(tmp_path)
    open_nominations(nova_election)
    roll = nova_election.contests.get(kind=ContestKind.PTL).nomination_roll
    window = [
        "--start",
        nova_election.window_start.isoformat(),
        "--end",
        nova_election.window_end.isoformat(),
    ]
    out, err = StringIO(), StringIO()
    call_command("roll", "--team", "Nova", *window, "--members-only", stdout=out, stderr=err)
    assert out.getvalue().split() == ["ann@work.example", "cleo@example.org"]
    assert roll.fingerprint in err.getvalue()
    out = StringIO()
    call_command("roll", "--team", "Nova", *window, stdout=out, stderr=StringIO())
    assert "bob@example.org" in out.getvalue().split()
