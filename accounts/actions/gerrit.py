"""Ingesting reviews from a Gerrit query export."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from accounts import conf
from accounts.actions.errors import Progress
from accounts.actions.storage import (
    _EMAIL_MAX,
    _NAME_MAX,
    _REF_MAX,
    _REPOSITORY_MAX,
    Row,
    _store,
    ingest_atomic,
)
from accounts.commitlog import Contact
from accounts.gerritlog import (
    GerritChange,
    GerritFormatError,
    is_rest_page,
    parse_gerrit_export,
    parse_gerrit_query,
    rest_page_has_more,
)
from accounts.models import (
    ContributionKind,
    ContributionSource,
    IdentityLink,
    Repository,
)

logger = logging.getLogger(__name__)


# --- Gerrit --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GerritIngestReport:
    source: str
    changes: int
    stored: int
    repositories: int


def gerrit_pages_check(paths: list[str]) -> None:
    """REST pages given together are one answer: every page but the last says more changes
    follow (``_more_changes``), and the last does not; a page missing is an error naming it."""
    pages = []
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError as error:
            raise GerritFormatError(str(path), 0, f"cannot read: {error.strerror}") from None
        if is_rest_page(text):
            pages.append((str(path), rest_page_has_more(text, source=str(path))))
    for position, (path, more) in enumerate(pages):
        last = position == len(pages) - 1
        if last and more:
            raise GerritFormatError(
                path,
                0,
                "the page says more changes follow (_more_changes): fetch the next "
                "page (&S=<offset>) and give every page",
                unit="page",
            )
        if not last and not more:
            raise GerritFormatError(
                path, 0, "a page that ends the answer is followed by more pages", unit="page"
            )


def _changes(path: str | Path, handle: Any, owners_only: bool) -> Iterator[GerritChange]:
    head = handle.read(64)
    handle.seek(0)
    if is_rest_page(head) or owners_only:
        return parse_gerrit_export(handle.read(), source=str(path), owners_only=owners_only)
    return parse_gerrit_query(handle, source=str(path))


def gerrit_ingest(
    *, path: str | Path, progress: Progress | None = None, owners_only: bool = False
) -> GerritIngestReport:
    """Ingest a ``gerrit query --format=JSON --all-approvals status:merged`` export, or one
    page of Gerrit's REST ``/changes/`` (``)]}'`` then a JSON list; every branch).

    Owner and uploader of the merged patch set count as authors of the change (dated by its
    merge); reviewers count for Code-Review +2/-2 and Workflow +1 (dated by the vote), as
    the OpenStack TC charter says. The whole file is one transaction: a bad line (named in
    the error) leaves nothing of the file stored.

    Long because authors and reviewers are read in the one pass that also checks each
    line, inside the file's one transaction.
    """
    source = str(path)
    bots = conf.bot_emails()
    batch_size = conf.ingest_batch_size()
    repositories: dict[str, Repository] = {}
    changes = stored = 0
    rows: list[Row] = []
    links: set[tuple[str, str]] = set()
    try:
        handle = open(path, encoding="utf-8", errors="replace")
    except OSError as error:
        raise GerritFormatError(source, 0, f"cannot read: {error.strerror or error}") from None
    with handle, ingest_atomic():
        for change in _changes(path, handle, owners_only):
            changes += 1
            repository = repositories.get(change.project)
            if repository is None:
                # Values the tables cannot hold are the file's error, named by its line.
                if len(change.project) > _REPOSITORY_MAX or "\x00" in change.project:
                    raise GerritFormatError(
                        source,
                        change.line,
                        f"project {change.project[:60]!r} is not a repository name",
                    )
                repository, _ = Repository.objects.get_or_create(name=change.project)
                repositories[change.project] = repository
            if len(change.reference) > _REF_MAX:
                raise GerritFormatError(
                    source, change.line, f"change {change.reference[:70]!r} has no usable id"
                )
            people: list[tuple[str, Contact, datetime]] = [
                (ContributionKind.COMMIT, author, change.merged_at) for author in change.authors
            ]
            people += [(ContributionKind.REVIEW, r.reviewer, r.granted_at) for r in change.reviews]
            links.update(
                (identity, email)
                for identity, email in change.identities
                if email not in bots and len(email) <= _EMAIL_MAX
            )
            for kind, person, when in people:
                if person.email in bots or len(person.email) > _EMAIL_MAX:
                    continue
                rows.append(
                    (
                        repository.pk,
                        kind,
                        ContributionSource.GERRIT,
                        change.reference,
                        person.email,
                        person.name[:_NAME_MAX],
                        when,
                    )
                )
            if len(rows) >= batch_size:
                stored += _store(rows)
                rows.clear()
                if progress:
                    progress(stored)
        stored += _store(rows)
        IdentityLink.objects.bulk_create(
            (IdentityLink(identity=identity, email=email) for identity, email in sorted(links)),
            batch_size=batch_size,
            ignore_conflicts=True,
        )
    return GerritIngestReport(source, changes, stored, len(repositories))
