"""Ingesting reviews from a Gerrit query export."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
from accounts.gerritlog import GerritFormatError, parse_gerrit_query
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


def gerrit_ingest(*, path: str | Path, progress: Progress | None = None) -> GerritIngestReport:
    """Ingest a ``gerrit query --format=JSON --all-approvals status:merged`` export.

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
        for change in parse_gerrit_query(handle, source=source):
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
