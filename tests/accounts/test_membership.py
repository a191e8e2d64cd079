"""The Foundation membership list: CSV or JSON in, errors naming the line or entry, the list
replacing the last one whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.membership import MembershipError, parse_members_list
from accounts.models import Member, MemberAddress
from accounts.selectors import member_affiliations
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db
QUIET = {"stdout": open("/dev/null", "w")}  # noqa: SIM115

CSV = """member_id,name,addresses,affiliation,since
25759,Jens Harbott,frickler@offenerstapel.de,OSISM,2012-05-01
33567,Amy Marrich,amy@demarco.com; Amy@Other.example.org,Red Hat,
"""


def test_a_csv_list_is_read_with_every_address_normalised() -> None:
    members = parse_members_list(CSV, source="members.csv")
    assert [m.member_id for m in members] == [25759, 33567]
    assert members[1].addresses == ("amy@demarco.com", "amy@other.example.org")
    assert members[0].since is not None and members[0].since.year == 2012


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name\nX\n", "members.csv, line 1: the header needs the columns member_id, addresses"),
        ("member_id,addresses\nabc,a@b.org\n", "members.csv, line 2: member_id 'abc'"),
        ("member_id,addresses\n1,a@b.org\n2,A@B.org\n", "line 3: a@b.org already belongs"),
        ("member_id,addresses\n1,not-an-address\n", "line 2: 'not-an-address' is not an e-mail"),
        ("member_id,addresses,since\n1,a@b.org,May 2012\n", "line 2: since 'May 2012'"),
        ('[{"member_id": 1}]', "members.csv, entry 1: member 1 has no address"),
        ("[1,", "members.csv, line 1: not valid JSON"),
    ],
)
def test_a_bad_list_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(MembershipError, match=message):
        parse_members_list(text, source="members.csv")


def test_import_members_replaces_the_list_and_is_audited(tmp_path: Path) -> None:
    first = tmp_path / "members.csv"
    first.write_text(CSV)
    call_command("import_members", str(first), **QUIET)
    assert member_affiliations(["FRICKLER@offenerstapel.de"]) == {
        "frickler@offenerstapel.de": "OSISM"
    }
    second = tmp_path / "members.json"
    second.write_text(
        json.dumps([{"member_id": 33567, "addresses": ["amy@demarco.com"], "affiliation": "AWS"}])
    )
    call_command("import_members", str(second), **QUIET)
    assert list(Member.objects.values_list("member_id", "affiliation")) == [(33567, "AWS")]
    assert MemberAddress.objects.count() == 1
    entries = AuditEntry.objects.filter(action="members.import").order_by("pk")
    assert [e.detail["removed"] for e in entries] == [[], [25759]]


def test_a_bad_list_leaves_the_membership_as_it_was(tmp_path: Path) -> None:
    good = tmp_path / "members.csv"
    good.write_text(CSV)
    call_command("import_members", str(good), **QUIET)
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "x,y@z.org,,\n")
    with pytest.raises(CommandError, match="bad.csv, line 4"):
        call_command("import_members", str(bad), **QUIET)
    assert Member.objects.count() == 2
