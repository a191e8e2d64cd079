"""Contribution data from Gerrit, parsed into plain records.

PURE: standard library only, no Django. Reads the JSON lines ``gerrit query --format=JSON
--all-approvals status:merged`` writes; anyone can run it against a published export and
check a roll by hand. What counts follows the OpenStack TC charter (see ``commitlog``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from accounts.commitlog import COMMIT_ID_RE, Contact, normalise_email


class GerritFormatError(ValueError):
    """A line of a Gerrit JSON export is not what ``gerrit query --format=JSON`` writes (or a
    change of a REST page is not what ``/changes/`` answers: ``unit`` is then "change")."""

    def __init__(self, source: str, line: int, message: str, *, unit: str = "line") -> None:
        self.source = source
        self.line = line
        super().__init__(f"{source}, {unit} {line}: {message}")


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
    # (Gerrit identity, address) for every account of the change with both: one Gerrit
    # account seen under several addresses is one person (``gerrit:<account id>`` and
    # ``gerrit-user:<username>``).
    identities: tuple[tuple[str, str], ...] = ()

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


def _identities(value: Any) -> list[tuple[str, str]]:
    """The Gerrit identities of an account object, each with its address."""
    contact = _account(value)
    if contact is None:
        return []
    found = []
    account_id = value.get("_account_id", value.get("accountId"))
    if isinstance(account_id, int) and not isinstance(account_id, bool) and account_id > 0:
        found.append((f"gerrit:{account_id}", contact.email))
    username = value.get("username")
    if isinstance(username, str) and username.strip() and len(username) <= 150:
        found.append((f"gerrit-user:{username.strip()}", contact.email))
    return found


def parse_gerrit_export(
    text: str, *, source: str = "<gerrit>", owners_only: bool = False
) -> Iterator[GerritChange]:
    """The merged changes of either export: a REST page (``)]}'`` then a JSON list) or the
    JSON lines of ``gerrit query``. ``owners_only``: the change owner is its only contributor
    and reviews count for nothing (openstack/election's own roll rule)."""
    if is_rest_page(text):
        changes: Iterable[GerritChange] = parse_gerrit_rest(text, source=source)
    else:
        changes = parse_gerrit_query(text.splitlines(), source=source)
    for change in changes:
        if owners_only:
            owner = change.authors[:1]
            change = GerritChange(
                line=change.line,
                project=change.project,
                number=change.number,
                change_id=change.change_id,
                revision=change.revision,
                merged_at=change.merged_at,
                authors=owner,
                reviews=(),
                identities=tuple(
                    pair for pair in change.identities if pair[1] in {c.email for c in owner}
                ),
            )
        yield change


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
    if not isinstance(revision, str) or (revision and not COMMIT_ID_RE.fullmatch(revision)):
        # Only hex: the revision is stored as the contribution's reference.
        raise GerritFormatError(source, line, f"revision {revision!r} is not a commit id")

    authors: dict[str, Contact] = {}
    for account in (change.get("owner"), last.get("uploader") if last else None):
        contact = _account(account)
        if contact is not None:
            authors.setdefault(contact.email, contact)

    identities = {
        pair
        for account in (change.get("owner"), last.get("uploader") if last else None)
        for pair in _identities(account)
    }
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
            identities.update(_identities(approval.get("by")))
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
        identities=tuple(sorted(identities)),
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


# --- Gerrit's REST API ---------------------------------------------------------------------
#
# ``GET /changes/?q=status:merged+...&o=DETAILED_ACCOUNTS&o=DETAILED_LABELS&o=CURRENT_REVISION``
# answers ``)]}'`` (a guard against cross-site script inclusion) then a JSON list of changes
# of every branch; when more match than one page holds, the last change carries
# ``"_more_changes": true`` and the next page is asked for with ``&S=<offset>``.

XSSI_PREFIX = ")]}'"
_REST_DATE = "%Y-%m-%d %H:%M:%S"


def is_rest_page(text: str) -> bool:
    """The text is a REST answer, as Gerrit sends it and a saved page keeps it: its XSSI
    prefix first (a bare JSON list is read as JSON lines, and refused there by line)."""
    return text.lstrip("\ufeff \t\r\n")[:4] == XSSI_PREFIX


def _rest_changes(text: str, source: str) -> list[Any]:
    body = text.lstrip()
    if body.startswith(XSSI_PREFIX):
        body = body[len(XSSI_PREFIX) :]
    try:
        changes = json.loads(body)
    except json.JSONDecodeError as error:
        raise GerritFormatError(
            source, error.lineno, f"not valid JSON ({error.msg}, column {error.colno})"
        ) from None
    except ValueError as error:
        raise GerritFormatError(source, 1, f"not valid JSON ({error})") from None
    if not isinstance(changes, list):
        raise GerritFormatError(source, 1, "a REST page is a JSON list of changes")
    return changes


def rest_page_has_more(text: str, *, source: str = "<gerrit>") -> bool:
    """The page says more changes follow (``_more_changes`` on its last change)."""
    changes = _rest_changes(text, source)
    return (
        bool(changes) and isinstance(changes[-1], dict) and changes[-1].get("_more_changes") is True
    )


def _rest_time(value: Any, what: str, source: str, index: int) -> datetime:
    text = value if isinstance(value, str) else ""
    try:
        return datetime.strptime(text[:19], _REST_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise GerritFormatError(
            source, index, f"{what} {value!r} is not a Gerrit time", unit="change"
        ) from None


def parse_gerrit_rest(text: str, *, source: str = "<gerrit>") -> Iterator[GerritChange]:
    """The merged changes of one REST page, every branch; each error names the change's
    position in the page. Owner and reviewers need ``DETAILED_ACCOUNTS`` (their addresses)
    and, for reviews, ``DETAILED_LABELS`` (each vote).

    Long because every field is checked where it is read, so that each malformed value is
    reported with the file, the change's place in the page and what was wrong."""
    for index, change in enumerate(_rest_changes(text, source), start=1):
        if not isinstance(change, dict):
            raise GerritFormatError(source, index, "expected a JSON object", unit="change")
        if change.get("status", "MERGED") != "MERGED":
            continue
        project = change.get("project")
        if not isinstance(project, str) or not project.strip():
            raise GerritFormatError(source, index, "change has no project", unit="change")
        number = change.get("_number")
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 10**18:
            raise GerritFormatError(
                source, index, f"_number {str(number)[:40]!r} is not a change number", unit="change"
            )
        when = change.get("submitted") or change.get("updated")
        merged_at = _rest_time(when, "submitted", source, index)
        revision = change.get("current_revision") or ""
        if not isinstance(revision, str) or (revision and not COMMIT_ID_RE.fullmatch(revision)):
            raise GerritFormatError(
                source, index, f"current_revision {revision!r} is not a commit id", unit="change"
            )
        owner = change.get("owner")
        authors = [c for c in (_account(owner),) if c is not None]
        identities = set(_identities(owner))
        reviews: list[GerritReview] = []
        labels = change.get("labels") or {}
        if not isinstance(labels, dict):
            raise GerritFormatError(source, index, "labels is not an object", unit="change")
        for name, detail in labels.items():
            label = _LABEL_ALIASES.get(str(name))
            if label is None or not isinstance(detail, dict):
                continue
            for vote in detail.get("all") or []:
                if not isinstance(vote, dict):
                    continue
                value = vote.get("value")
                if isinstance(value, bool) or not isinstance(value, int):
                    continue
                if value not in COUNTED_REVIEW_VOTES[label]:
                    continue
                reviewer = _account(vote)
                if reviewer is None:
                    continue
                identities.update(_identities(vote))
                granted = vote.get("date")
                granted_at = (
                    _rest_time(granted, f"{label} date", source, index) if granted else merged_at
                )
                reviews.append(GerritReview(reviewer, label, value, granted_at))
        yield GerritChange(
            line=index,
            project=project.strip(),
            number=number,
            change_id=str(change.get("id", "")),
            revision=revision,
            merged_at=merged_at,
            authors=tuple(authors),
            reviews=tuple(reviews),
            identities=tuple(sorted(identities)),
        )
