"""The pure parsers: `git log` of real repositories built here, and Gerrit JSON exports."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.commitlog import (
    CommitLogError,
    CommitRecord,
    Contact,
    apply_mailmap,
    map_contacts,
    normalise_email,
    parse_contact,
    parse_git_log,
    read_git_log,
)
from accounts.gerritlog import GerritFormatError, parse_gerrit_query
from tests.accounts.gitrepos import GitRepo

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "openstack" / "nova")


def test_pure_modules_import_no_django() -> None:
    """commitlog, gerritlog, governance and electorate can be run by anyone without Django."""
    code = (
        "import sys, accounts.commitlog, accounts.gerritlog, accounts.governance, "
        "accounts.electorate; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_email_normalisation_trims_and_lower_cases() -> None:
    assert normalise_email("  J.Doe@Example.ORG \n") == "j.doe@example.org"


def test_log_gives_sha_author_and_committer_date_in_utc(repo: GitRepo) -> None:
    sha = repo.commit(
        author=("Jane Doe", "Jane@Example.org"),
        authored="2024-01-01T00:00:00+00:00",
        committed="2025-09-12T02:30:00+02:00",
    )
    (record,) = list(read_git_log(repository=repo.path))
    assert record.sha == sha
    assert record.author == Contact("Jane Doe", "Jane@Example.org")
    # The committer date (when the change landed), not the author date, and in UTC.
    assert record.committed_at == datetime(2025, 9, 12, 0, 30, tzinfo=UTC)
    assert record.contributors() == (Contact("Jane Doe", "jane@example.org"),)


def test_merge_commits_are_excluded_but_merged_commits_count(repo: GitRepo) -> None:
    base = repo.commit(author=("Base", "base@example.org"))
    repo.checkout("feature", create=True)
    feature = repo.commit(author=("Feature", "feature@example.org"))
    repo.checkout("main")
    mainline = repo.commit(author=("Main", "main@example.org"))
    merge = repo.merge("feature")
    shas = {r.sha for r in read_git_log(repository=repo.path)}
    assert shas == {base, feature, mainline}
    assert merge not in shas


def test_commits_not_reachable_from_head_are_not_listed(repo: GitRepo) -> None:
    landed = repo.commit()
    repo.checkout("unmerged", create=True)
    pending = repo.commit(author=("Pending", "pending@example.org"))
    repo.checkout("main")
    shas = {r.sha for r in read_git_log(repository=repo.path)}
    assert shas == {landed}
    assert pending not in shas


def test_since_lists_only_commits_after_the_last_ingested_one(repo: GitRepo) -> None:
    first = repo.commit()
    second = repo.commit()
    third = repo.commit()
    assert [r.sha for r in read_git_log(repository=repo.path, since=first)] == [third, second]


def test_mailmap_is_applied_to_authors_and_co_authors(repo: GitRepo) -> None:
    repo.write_mailmap(
        "Jane Doe <jane@example.org> <jdoe@old-employer.example>\n"
        "Bob Builder <bob@example.org> Bobby <bobby@laptop.local>\n"
    )
    repo.commit(
        author=("J. Doe", "jdoe@old-employer.example"),
        co_authors=(("Bobby", "bobby@laptop.local"), ("Carol", "carol@example.org")),
    )
    records = list(read_git_log(repository=repo.path))
    newest = records[0]
    assert newest.author == Contact("Jane Doe", "jane@example.org")
    mapping = map_contacts(repository=repo.path, contacts=newest.co_authors)
    (mapped,) = apply_mailmap([newest], mapping)
    assert mapped.co_authors == (
        Contact("Bob Builder", "bob@example.org"),
        Contact("Carol", "carol@example.org"),
    )


def test_every_co_authored_by_trailer_is_a_contributor(repo: GitRepo) -> None:
    repo.commit(
        author=("Jane Doe", "jane@example.org"),
        co_authors=(("Ann", "ann@example.org"), ("Jane Again", "JANE@example.org")),
        trailers=(
            "co-authored-by: Lower Case <lower@example.org>\n"
            "Co-authored-by: Nameless\n"
            "Signed-off-by: Not A Coauthor <sob@example.org>"
        ),
    )
    (record,) = list(read_git_log(repository=repo.path))
    assert [c.email for c in record.contributors()] == [
        "jane@example.org",
        "ann@example.org",
        "lower@example.org",
    ]


def test_git_errors_name_the_repository(tmp_path: Path) -> None:
    missing = tmp_path / "openstack" / "ghost"
    missing.mkdir(parents=True)
    with pytest.raises(CommitLogError, match="openstack/ghost"):
        list(read_git_log(repository=missing))


def test_empty_repository_has_no_commits_but_is_an_error(tmp_path: Path) -> None:
    """An empty repository has no HEAD: git says so and the message names it."""
    empty = GitRepo(tmp_path / "openstack" / "empty")
    with pytest.raises(CommitLogError, match="empty"):
        list(read_git_log(repository=empty.path))


def test_parser_streams_through_tiny_chunks(repo: GitRepo) -> None:
    for day in range(1, 6):
        repo.commit(committed=f"2026-01-0{day}T00:00:00+00:00", co_authors=(("A", "a@x.org"),))
    raw = subprocess.run(
        [
            "git",
            "-C",
            str(repo.path),
            "log",
            "--no-merges",
            "--format=%x1e%H%x00%aN%x00%aE%x00%cI%x00"
            "%(trailers:key=Co-authored-by,valueonly,unfold,separator=%x1f)",
        ],
        capture_output=True,
        check=True,
    ).stdout
    whole = list(parse_git_log([raw]))
    trickled = list(parse_git_log(raw[i : i + 1] for i in range(len(raw))))
    assert whole == trickled
    assert len(whole) == 5


def test_malformed_record_is_reported_with_its_number() -> None:
    good = b"\x1e" + b"a" * 40 + b"\x00N\x00n@x\x002026-01-01T00:00:00+00:00\x00\n"
    bad = b"\x1e" + b"b" * 40 + b"\x00only three\x00fields\n"
    with pytest.raises(CommitLogError, match="commit record 2"):
        list(parse_git_log([good + bad]))


def test_output_without_record_separator_is_rejected() -> None:
    with pytest.raises(CommitLogError, match="record separator"):
        list(parse_git_log([b"commit abc\nAuthor: x\n"]))


def test_contacts_without_an_address_are_dropped() -> None:
    assert parse_contact("Jane <jane@example.org>") == Contact("Jane", "jane@example.org")
    assert parse_contact("<jane@example.org>") == Contact("", "jane@example.org")
    assert parse_contact("Jane Doe") is None
    assert parse_contact("Jane <>") is None


_names = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="<>"),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
_emails = st.from_regex(r"[a-z0-9.]{1,10}@[a-z]{1,8}\.org", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(
    commits=st.lists(
        st.tuples(
            st.from_regex(r"[0-9a-f]{40}", fullmatch=True),
            _names,
            _emails,
            st.datetimes(
                min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
                max_value=datetime(2100, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
                timezones=st.just(UTC),
            ),
            st.lists(st.tuples(_names, _emails), max_size=3),
        ),
        max_size=8,
    ),
    chunk=st.integers(min_value=1, max_value=64),
)
def test_parser_round_trips_any_log(commits: list, chunk: int) -> None:
    """Whatever the chunking, the parser returns exactly the commits that were written."""
    out = b""
    for sha, name, email, when, co in commits:
        trailers = "\x1f".join(f"{n} <{e}>" for n, e in co)
        out += (f"\x1e{sha}\x00{name}\x00{email}\x00{when.isoformat()}\x00{trailers}\n").encode()
    parsed = list(parse_git_log(out[i : i + chunk] for i in range(0, len(out), chunk)))
    assert parsed == [
        CommitRecord(
            sha=sha,
            author=Contact(name, email),
            committed_at=when,
            co_authors=tuple(Contact(n, e) for n, e in co),
        )
        for sha, name, email, when, co in commits
    ]


# --- Gerrit ---------------------------------------------------------------------------


def _fixture_lines() -> list[str]:
    return (FIXTURES / "gerrit-merged.jsonl").read_text().splitlines()


def test_gerrit_export_yields_merged_changes_only() -> None:
    changes = list(parse_gerrit_query(_fixture_lines(), source="gerrit-merged.jsonl"))
    assert [(c.project, c.number) for c in changes] == [
        ("openstack/nova", 912345),
        ("openstack/placement", 912400),
    ]


def test_gerrit_owner_and_uploader_of_the_merged_patch_set_are_authors() -> None:
    nova = next(iter(parse_gerrit_query(_fixture_lines())))
    assert [a.email for a in nova.authors] == ["jane.doe@example.org", "helper@example.org"]
    assert nova.revision == "2" * 40
    assert nova.reference == "2" * 40


def test_gerrit_counts_code_review_plus_minus_two_and_workflow_plus_one() -> None:
    nova = next(iter(parse_gerrit_query(_fixture_lines())))
    votes = sorted((r.reviewer.email, r.label, r.value) for r in nova.reviews)
    assert votes == [
        ("blocker@example.org", "Code-Review", -2),
        ("core1@example.org", "Code-Review", 2),
        ("core2@example.org", "Code-Review", 2),
        ("core2@example.org", "Workflow", 1),
    ]
    blocker = next(r for r in nova.reviews if r.value == -2)
    assert blocker.granted_at == datetime.fromtimestamp(1757100000, tz=UTC)


def test_gerrit_merge_date_is_the_submit_else_the_last_update() -> None:
    nova, placement = parse_gerrit_query(_fixture_lines())
    assert nova.merged_at == datetime.fromtimestamp(1759800000, tz=UTC)
    assert placement.merged_at == datetime.fromtimestamp(1758500000, tz=UTC)


def test_gerrit_bad_json_names_the_line() -> None:
    lines = [*_fixture_lines()[:2], '{"project": "openstack/nova", "number": ', "{}"]
    with pytest.raises(GerritFormatError, match=r"export.json, line 3: not valid JSON"):
        list(parse_gerrit_query(lines, source="export.json"))


@pytest.mark.parametrize(
    "number",
    ['"' + "9" * 5000 + '"', "9" * 5000, '"' + "9" * 19 + '"', "-4", '"12a"'],
    ids=["long-string", "long-integer", "past-int64", "negative", "not-digits"],
)
def test_gerrit_change_number_that_is_no_change_number_names_the_line(number: str) -> None:
    line = '{"project": "openstack/nova", "status": "MERGED", "number": ' + number + "}"
    with pytest.raises(GerritFormatError, match=r"export.json, line 2: "):
        list(parse_gerrit_query(["", line], source="export.json"))


def test_gerrit_change_without_project_names_the_line() -> None:
    line = json.dumps({"number": 1, "status": "MERGED", "lastUpdated": 1758000000})
    with pytest.raises(GerritFormatError, match=r"line 2: change has no project"):
        list(parse_gerrit_query(["", line], source="x"))


def test_gerrit_change_without_any_date_is_an_error() -> None:
    line = json.dumps({"project": "openstack/nova", "number": 1, "status": "MERGED"})
    with pytest.raises(GerritFormatError, match="neither a submit approval nor lastUpdated"):
        list(parse_gerrit_query([line]))


def test_gerrit_reported_error_line_is_an_error() -> None:
    with pytest.raises(GerritFormatError, match="Gerrit reported: permission denied"):
        list(parse_gerrit_query(['{"type": "error", "message": "permission denied"}']))
