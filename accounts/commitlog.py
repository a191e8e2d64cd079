"""Contribution data from git, parsed into plain records (Gerrit exports: ``gerritlog``).

PURE: standard library only, no Django. Anyone can run this against a published repository
or Gerrit export and check a roll by hand.

What counts (OpenStack TC charter, "Voters for PTL seats"): a change committed to one of the
team's repositories, or reviewed or approved with Code-Review +2/-2 or Workflow +1. From git
we read every non-merge commit reachable from the default branch (``HEAD``), dated by its
*committer* date (when it landed), with its author and every ``Co-authored-by:`` trailer as
contributors, all seen through the repository's ``.mailmap``.
"""

from __future__ import annotations

import re
import shutil
import subprocess  # noqa: S404 - git is the data source; arguments are never shell-parsed
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

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
COMMIT_ID_RE = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_CONTACT_RE = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>]*)>\s*$")
_READ_SIZE = 1 << 16


class CommitLogError(ValueError):
    """The ``git log`` output (or git itself) could not be read."""


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
    if not COMMIT_ID_RE.fullmatch(sha):
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
