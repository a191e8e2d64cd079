"""Contribution data from git and Gerrit, parsed into plain records.

PURE: standard library only, no Django. Anyone can run this against a published repository
or Gerrit export and check a roll by hand.

What counts (OpenStack TC charter, "Voters for PTL seats"): a change committed to one of the
team's repositories, or reviewed or approved with Code-Review +2/-2 or Workflow +1. From git
we read every non-merge commit reachable from the default branch (``HEAD``), dated by its
*committer* date (when it landed), with its author and every ``Co-authored-by:`` trailer as
contributors, all seen through the repository's ``.mailmap``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess  # noqa: S404 - git is the data source; arguments are never shell-parsed
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

# Separators chosen because they cannot appear in a name, an e-mail address or a date that
# git prints: ASCII record separator before each commit, NUL between fields, ASCII unit
# separator between trailer values.
RECORD_SEPARATOR = b"\x1e"
FIELD_SEPARATOR = b"\x00"
TRAILER_SEPARATOR = "\x1f"

# %aN/%aE apply the mailmap; %cI is the committer date in strict ISO 8601.
GIT_LOG_FORMAT = (
    "%x1e%H%x00%aN%x00%aE%x00%cI%x00%(trailers:key=Co-authored-by,valueonly,unfold,separator=%x1f)"
)
_FIELD_COUNT = 5
_SHA_RE = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_CONTACT_RE = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>]*)>\s*$")
_READ_SIZE = 1 << 16


class CommitLogError(ValueError):
    """The ``git log`` output (or git itself) could not be read."""


class GerritFormatError(ValueError):
    """A line of a Gerrit JSON export is not what ``gerrit query --format=JSON`` writes."""

    def __init__(self, source: str, line: int, message: str) -> None:
        self.source = source
        self.line = line
        super().__init__(f"{source}, line {line}: {message}")


def normalise_email(address: str) -> str:
    """The form in which e-mail addresses are stored and compared: trimmed, lower-cased.

    The whole address is lower-cased: no community mail host treats ``J.Doe`` and ``j.doe``
    as two people, and matching them keeps one voter from splitting into two.
    """
    return address.strip().lower()


@dataclass(frozen=True, slots=True)
class Contact:
    """A name and an e-mail address as git writes them: ``Name <email>``."""

    name: str
    email: str

    def as_git_contact(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else f"<{self.email}>"


@dataclass(frozen=True, slots=True)
class CommitRecord:
    """One non-merge commit: who wrote it and when it landed."""

    sha: str
    author: Contact
    committed_at: datetime
    co_authors: tuple[Contact, ...]

    def contributors(self) -> tuple[Contact, ...]:
        """Author first, then co-authors; each address once, addresses normalised."""
        if not self.co_authors:  # the common case, kept cheap for million-commit ingests
            email = normalise_email(self.author.email)
            return (Contact(self.author.name.strip(), email),) if email else ()
        seen: dict[str, Contact] = {}
        for contact in (self.author, *self.co_authors):
            email = normalise_email(contact.email)
            if email and email not in seen:
                seen[email] = Contact(contact.name.strip(), email)
        return tuple(seen.values())


def parse_contact(value: str) -> Contact | None:
    """``Jane Doe <jane@example.org>`` as a contact; ``None`` when there is no address.

    A co-author named without an address cannot be matched to anyone, so it is dropped.
    """
    match = _CONTACT_RE.match(value)
    if not match or not match.group("email").strip():
        return None
    return Contact(match.group("name"), match.group("email").strip())


def git_executable() -> str:
    """Absolute path of ``git``, so the child process never depends on a relative lookup."""
    path = shutil.which("git")
    if path is None:
        raise CommitLogError("git is not installed (no `git` on PATH)")
    return path


def git_log_command(
    *, repository: str | Path, since: str | None = None, git: str | None = None
) -> list[str]:
    """The ``git log`` invocation whose output :func:`parse_git_log` reads.

    ``since`` is the commit ingested last time: only commits reachable from ``HEAD`` and not
    from ``since`` are listed.
    """
    revisions = f"{since}..HEAD" if since else "HEAD"
    return [
        git or git_executable(),
        "-C",
        str(repository),
        "-c",
        "log.showSignature=false",
        "log",
        "--no-merges",
        "--no-color",
        "--use-mailmap",
        "--encoding=UTF-8",
        f"--format={GIT_LOG_FORMAT}",
        revisions,
        "--",
    ]


def _chunks(stream: IO[bytes] | Iterable[bytes]) -> Iterator[bytes]:
    read = getattr(stream, "read", None)
    if read is not None:
        while chunk := read(_READ_SIZE):
            yield chunk
    else:
        yield from stream  # type: ignore[misc]


def parse_git_log(stream: IO[bytes] | Iterable[bytes]) -> Iterator[CommitRecord]:
    """Yield one record per commit from ``git log --format=GIT_LOG_FORMAT`` output.

    Reads the stream in chunks, so a log of millions of commits never sits in memory.
    """
    pending = b""
    number = 0
    started = False
    for chunk in _chunks(stream):
        pending += chunk
        records = pending.split(RECORD_SEPARATOR)
        pending = records.pop()
        for raw in records:
            if not started:
                started = True
                if raw.strip():
                    raise CommitLogError("git log output does not start with a record separator")
                continue
            number += 1
            yield _parse_record(raw, number)
    if started:
        number += 1
        yield _parse_record(pending, number)
    elif pending.strip():
        raise CommitLogError("git log output does not start with a record separator")


def _parse_record(raw: bytes, number: int) -> CommitRecord:
    fields = raw.decode("utf-8", "replace").rstrip("\n").split("\x00")
    if len(fields) != _FIELD_COUNT:
        raise CommitLogError(
            f"commit record {number}: expected {_FIELD_COUNT} fields, found {len(fields)}"
        )
    sha, name, email, committed, trailers = fields
    if not _SHA_RE.fullmatch(sha):
        raise CommitLogError(f"commit record {number}: {sha!r} is not a commit id")
    try:
        committed_at = datetime.fromisoformat(committed)
    except ValueError:
        raise CommitLogError(
            f"commit {sha}: committer date {committed!r} is not ISO 8601"
        ) from None
    if committed_at.tzinfo is None:
        raise CommitLogError(f"commit {sha}: committer date {committed!r} has no UTC offset")
    try:
        committed_at = committed_at.astimezone(UTC)
    except OverflowError:  # the edge of the calendar, e.g. 0001-01-01 east of UTC
        raise CommitLogError(
            f"commit {sha}: committer date {committed!r} is out of range"
        ) from None
    co_authors = (
        tuple(
            contact
            for value in trailers.split(TRAILER_SEPARATOR)
            if value.strip() and (contact := parse_contact(value)) is not None
        )
        if trailers
        else ()
    )
    return CommitRecord(
        sha=sha,
        author=Contact(name, email),
        committed_at=committed_at,
        co_authors=co_authors,
    )


def read_git_log(
    *, repository: str | Path, since: str | None = None, git: str | None = None
) -> Iterator[CommitRecord]:
    """Run ``git log`` in ``repository`` and yield its commits as they stream out.

    Errors (not a repository, unknown ``since``) raise :class:`CommitLogError` naming the
    repository and carrying git's own message.
    """
    command = git_log_command(repository=repository, since=since, git=git)
    # git's complaints go to a file, not a pipe, so a chatty stderr can never block stdout.
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            command, stdout=subprocess.PIPE, stderr=errors
        )
        assert process.stdout is not None  # noqa: S101 - guaranteed by stdout=PIPE
        try:
            yield from parse_git_log(process.stdout)
        finally:
            process.stdout.close()
            returncode = process.wait()
        if returncode != 0:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip()
            raise CommitLogError(f"git log failed in {repository}: {detail or returncode}")


def map_contacts(
    *, repository: str | Path, contacts: Iterable[Contact], git: str | None = None
) -> dict[Contact, Contact]:
    """Map contacts through the repository's mailmap, as git maps authors.

    ``git check-mailmap`` is git's own implementation, so ``mailmap.file``, ``mailmap.blob``
    and the ``HEAD:.mailmap`` of a bare clone are honoured exactly as ``%aN``/``%aE`` honour
    them; a home-made ``.mailmap`` parser would differ at the edges.
    """
    unique = list(dict.fromkeys(c for c in contacts if "\n" not in c.as_git_contact()))
    if not unique:
        return {}
    payload = "".join(c.as_git_contact() + "\n" for c in unique).encode("utf-8")
    command = [git or git_executable(), "-C", str(repository), "check-mailmap", "--stdin"]
    completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        command, input=payload, capture_output=True, check=False
    )
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip()
        raise CommitLogError(f"git check-mailmap failed in {repository}: {detail}")
    lines = completed.stdout.decode("utf-8", "replace").splitlines()
    if len(lines) != len(unique):
        raise CommitLogError(
            f"git check-mailmap answered {len(lines)} lines for {len(unique)} contacts"
        )
    mapped: dict[Contact, Contact] = {}
    for contact, line in zip(unique, lines, strict=True):
        mapped[contact] = parse_contact(line) or contact
    return mapped


def apply_mailmap(
    records: Iterable[CommitRecord], mapping: Mapping[Contact, Contact]
) -> Iterator[CommitRecord]:
    """Records whose co-authors are replaced by their mailmap identity."""
    for record in records:
        if record.co_authors:
            record = CommitRecord(
                sha=record.sha,
                author=record.author,
                committed_at=record.committed_at,
                co_authors=tuple(mapping.get(c, c) for c in record.co_authors),
            )
        yield record


# --- Gerrit ---------------------------------------------------------------------------

# OpenStack TC charter: a review counts when it is Code-Review +2 or -2, or Workflow +1.
# "CRVW" is the label's internal name in exports from Gerrit 2.x.
COUNTED_REVIEW_VOTES: Mapping[str, frozenset[int]] = {
    "Code-Review": frozenset({2, -2}),
    "Workflow": frozenset({1}),
}
_LABEL_ALIASES: Mapping[str, str] = {
    "Code-Review": "Code-Review",
    "CRVW": "Code-Review",
    "Workflow": "Workflow",
}
# Gerrit records the submit as an approval of this type; its date is the merge date.
_SUBMIT_TYPE = "SUBM"


@dataclass(frozen=True, slots=True)
class GerritReview:
    """A counted vote on a merged change."""

    reviewer: Contact
    label: str
    value: int
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class GerritChange:
    """One merged change from ``gerrit query --format=JSON --all-approvals status:merged``."""

    line: int
    project: str
    number: int
    change_id: str
    revision: str
    merged_at: datetime
    authors: tuple[Contact, ...]
    reviews: tuple[GerritReview, ...]

    @property
    def reference(self) -> str:
        """What identifies the change in storage: the merged commit when known.

        With the same identifier a commit seen in git and again in Gerrit is stored once.
        """
        return self.revision or f"change-{self.number}"


def _epoch(value: Any, what: str, source: str, line: int) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GerritFormatError(source, line, f"{what} is not a time in seconds: {value!r}")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):  # NaN, infinity, beyond the year 9999
        raise GerritFormatError(
            source, line, f"{what} is not a time in seconds: {value!r}"
        ) from None


def _account(value: Any) -> Contact | None:
    if not isinstance(value, dict):
        return None
    email = value.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    name = value.get("name")
    return Contact(name if isinstance(name, str) else "", normalise_email(email))


def parse_gerrit_query(
    lines: Iterable[str | bytes], *, source: str = "<gerrit query>"
) -> Iterator[GerritChange]:
    """Yield the merged changes of a Gerrit JSON-lines export.

    Gerrit documents that any field may be missing; the ones a roll cannot do without
    (project, change number, a date) are required, and their absence is an error naming the
    line. The trailing ``{"type": "stats", ...}`` line is skipped; changes that are not
    ``MERGED`` count for nothing and are skipped.
    """
    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if not text.strip():
            continue
        try:
            change = json.loads(text)
        except json.JSONDecodeError as error:
            raise GerritFormatError(
                source, number, f"not valid JSON ({error.msg}, column {error.colno})"
            ) from None
        except ValueError as error:  # e.g. an integer of thousands of digits
            raise GerritFormatError(source, number, f"not valid JSON ({error})") from None
        if not isinstance(change, dict):
            raise GerritFormatError(source, number, "expected a JSON object for a change")
        kind = change.get("type")
        if kind == "stats":
            continue
        if kind == "error":
            raise GerritFormatError(source, number, f"Gerrit reported: {change.get('message')}")
        if change.get("status", "MERGED") != "MERGED":
            continue
        parsed = _parse_change(change, number, source)
        if parsed is not None:
            yield parsed


def _parse_change(change: dict[str, Any], line: int, source: str) -> GerritChange | None:
    """One change of a Gerrit query export, or None when it is not merged.

    Long because every field is checked where it is read, so that each malformed value is
    reported with the file, the line and what was wrong, never as a KeyError later.
    """
    project = change.get("project")
    if not isinstance(project, str) or not project.strip():
        raise GerritFormatError(source, line, "change has no project")
    change_number = change.get("number")
    # Gerrit's change numbers are positive 32-bit integers; anything longer is not one (and
    # a number of thousands of digits would not even convert).
    if isinstance(change_number, str) and change_number.isdigit() and len(change_number) <= 18:
        change_number = int(change_number)
    if (
        isinstance(change_number, bool)
        or not isinstance(change_number, int)
        or not 0 <= change_number < 10**18
    ):
        shown = repr(change_number) if len(repr(change_number)) <= 40 else "(too long)"
        raise GerritFormatError(source, line, f"change number {shown} is not a change number")
    patch_sets = change.get("patchSets")
    if patch_sets is None:
        current = change.get("currentPatchSet")
        patch_sets = [current] if isinstance(current, dict) else []
    if not isinstance(patch_sets, list) or not all(isinstance(p, dict) for p in patch_sets):
        raise GerritFormatError(source, line, "patchSets is not a list of patch sets")

    submitted = [
        _epoch(a.get("grantedOn"), "SUBM grantedOn", source, line)
        for ps in patch_sets
        for a in _approvals(ps, source, line)
        if a.get("type") == _SUBMIT_TYPE
    ]
    if submitted:
        merged_at = max(submitted)
    elif "lastUpdated" in change:
        # Without a submit record the last update of a merged change is its merge.
        merged_at = _epoch(change["lastUpdated"], "lastUpdated", source, line)
    else:
        raise GerritFormatError(
            source, line, "change has neither a submit approval nor lastUpdated"
        )

    last = max(patch_sets, key=lambda p: _patch_set_number(p, source, line), default=None)
    revision = last.get("revision", "") if last else ""
    if not isinstance(revision, str) or (revision and not _SHA_RE.fullmatch(revision)):
        # Only hex: the revision is stored as the contribution's reference.
        raise GerritFormatError(source, line, f"revision {revision!r} is not a commit id")

    authors: dict[str, Contact] = {}
    for account in (change.get("owner"), last.get("uploader") if last else None):
        contact = _account(account)
        if contact is not None:
            authors.setdefault(contact.email, contact)

    reviews: list[GerritReview] = []
    for patch_set in patch_sets:
        for approval in _approvals(patch_set, source, line):
            label = _LABEL_ALIASES.get(str(approval.get("type")))
            if label is None:
                continue
            try:
                value = int(str(approval.get("value")).strip())
            except ValueError:
                raise GerritFormatError(
                    source, line, f"{label} value {approval.get('value')!r} is not a number"
                ) from None
            if value not in COUNTED_REVIEW_VOTES[label]:
                continue
            reviewer = _account(approval.get("by"))
            if reviewer is None:
                continue
            granted = approval.get("grantedOn")
            granted_at = (
                _epoch(granted, f"{label} grantedOn", source, line)
                if granted is not None
                else merged_at
            )
            reviews.append(GerritReview(reviewer, label, value, granted_at))

    return GerritChange(
        line=line,
        project=project.strip(),
        number=change_number,
        change_id=str(change.get("id", "")),
        revision=revision,
        merged_at=merged_at,
        authors=tuple(authors.values()),
        reviews=tuple(reviews),
    )


def _approvals(patch_set: dict[str, Any], source: str, line: int) -> Sequence[dict[str, Any]]:
    approvals = patch_set.get("approvals", [])
    if not isinstance(approvals, list) or not all(isinstance(a, dict) for a in approvals):
        raise GerritFormatError(source, line, "approvals is not a list of approvals")
    return approvals


def _patch_set_number(patch_set: dict[str, Any], source: str, line: int) -> int:
    value = patch_set.get("number", 0)
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise GerritFormatError(
            source, line, f"patch set number {value!r} is not a number"
        ) from None
