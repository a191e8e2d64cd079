"""Importing the community's governance files: teams, their repositories, the TC and SIGs."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from accounts.actions.errors import EligibilityError
from accounts.commitlog import (
    normalise_email,
)
from accounts.governance import (
    FileKind,
    GovernanceError,
    GovernanceFile,
    parse_governance_file,
)
from accounts.governance import Team as GovernanceTeam
from accounts.models import (
    ExtraVoter,
    ExtraVoterSource,
    Repository,
    Team,
    TeamKind,
    TeamRepository,
)
from audit.actions import audit_record

logger = logging.getLogger(__name__)


# --- Governance ------------------------------------------------------------------------

_IMPORT_ORDER = {FileKind.OFFICIAL: 0, FileKind.TC: 1, FileKind.SIG: 2, FileKind.LEGACY: 3}
# Renames are recognised when a vanished team and a new one share most repositories.
_RENAME_OVERLAP = 0.5


@dataclass(frozen=True)
class GovernanceImportReport:
    files: tuple[str, ...]
    created: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]
    unlisted: tuple[str, ...]
    teams: int
    ownerships: int
    extra_voters: int


def governance_import(*, paths: Sequence[str | Path], actor: Any = None) -> GovernanceImportReport:
    """Import governance files (projects.yaml, technical-committee-repos.yaml, sigs-repos.yaml,
    legacy.yaml) as a whole: every file is parsed before anything is written, and all of
    them are written in one transaction.

    Re-importing updates teams, recognises renames (same repositories under a new name) and
    marks teams that left their file as unlisted; repository ownership from each file is
    replaced, while contributions (which belong to repositories) are never touched.
    """
    if not paths:
        raise EligibilityError("Name at least one governance file.")
    parsed = [parse_governance_file(path) for path in paths]
    for document in parsed:
        _check_fits(document)
    kinds: dict[FileKind, str] = {}
    for document in parsed:
        if document.kind in kinds:
            raise EligibilityError(
                f"{document.source} and {kinds[document.kind]} are both {document.kind} files"
            )
        kinds[document.kind] = document.source
    created: list[str] = []
    renamed: list[tuple[str, str]] = []
    unlisted: list[str] = []
    ownerships = extra = teams = 0
    with transaction.atomic():
        for document in sorted(parsed, key=lambda d: _IMPORT_ORDER[d.kind]):
            outcome = _import_file(document)
            created += outcome.created
            renamed += outcome.renamed
            unlisted += outcome.unlisted
            ownerships += outcome.ownerships
            extra += outcome.extra_voters
            teams += outcome.teams
        report = GovernanceImportReport(
            files=tuple(d.source for d in parsed),
            created=tuple(created),
            renamed=tuple(renamed),
            unlisted=tuple(unlisted),
            teams=teams,
            ownerships=ownerships,
            extra_voters=extra,
        )
        audit_record(
            actor=actor,
            action="governance.import",
            target="governance:" + ",".join(Path(source).name for source in report.files),
            detail={
                "files": list(report.files),
                "created": list(report.created),
                "renamed": [list(pair) for pair in report.renamed],
                "unlisted": list(report.unlisted),
                "teams": teams,
                "ownerships": ownerships,
                "extra_voters": extra,
            },
        )
    return report


def _check_fits(document: GovernanceFile) -> None:
    """A value the tables cannot hold (too long, or a NUL that YAML's "\\0" lets through) is
    an error in the file, named by its line, not a database error halfway through the import.
    """

    def check(value: str, model: type[Any], field: str, line: int, what: str) -> None:
        limit = model._meta.get_field(field).max_length
        if "\x00" in value:
            raise GovernanceError(document.source, line, f"{what} contains a NUL character")
        if limit is not None and len(value) > limit:
            raise GovernanceError(
                document.source, line, f"{what} is longer than {limit} characters"
            )

    for team in document.teams:
        label = f"team name {team.name[:40]!r}"
        check(team.name, Team, "name", team.line, label)
        check(slugify(team.name), Team, "slug", team.line, f"the short name of {label}")
        check(team.leadership_type, Team, "leadership_type", team.line, "leadership_type")
        if team.ptl is not None:
            check(team.ptl.name, Team, "ptl_name", team.line, "the PTL's name")
            check(team.ptl.email, Team, "ptl_email", team.line, "the PTL's e-mail")
        for repo in team.repositories:
            check(repo.name, Repository, "name", repo.line, "a repository name")
            check(repo.deliverable, TeamRepository, "deliverable", repo.line, "a deliverable")
            for ac in repo.extra_acs:
                check(ac.name, ExtraVoter, "name", ac.line, "an extra-acs name")
                check(ac.email, ExtraVoter, "email", ac.line, "an extra-acs e-mail")
                reason = f"extra-acs of {repo.name}" + (f" ({ac.comment})" if ac.comment else "")
                check(reason, ExtraVoter, "reason", ac.line, "an extra-acs comment")


def _team_slug(team: GovernanceTeam, source: str) -> str:
    slug = slugify(team.name)
    if not slug:
        raise GovernanceError(source, team.line, f"team name {team.name!r} has no letters")
    return slug


def _import_file(document: GovernanceFile) -> GovernanceImportReport:
    """Write one parsed governance file: teams (created, renamed, unlisted), their
    repositories and the voters its ``extra-acs`` entries add.

    Long because the rename rule (same repositories under a new name) needs the old and new
    teams side by side; split up, each part would carry the same four maps.
    """
    kind = TeamKind(document.kind.value)
    by_slug = {team.slug: team for team in Team.objects.all()}
    slugs: dict[str, GovernanceTeam] = {}
    for entry in document.teams:
        slug = _team_slug(entry, document.source)
        if slug in slugs:
            raise GovernanceError(
                document.source,
                entry.line,
                f"team {entry.name!r} has the same short name as {slugs[slug].name!r}",
            )
        slugs[slug] = entry

    previous: dict[int, set[str]] = {}
    for team_id, repo in TeamRepository.objects.filter(source=kind).values_list(
        "team_id", "repository__name"
    ):
        previous.setdefault(team_id, set()).add(repo)

    matched: dict[str, Team] = {slug: by_slug[slug] for slug in slugs if slug in by_slug}
    vanished = [
        team
        for team in by_slug.values()
        if team.kind == kind and team.slug not in slugs and team.pk in previous
    ]
    renamed: list[tuple[str, str]] = []
    for slug, entry in slugs.items():
        if slug in matched:
            continue
        wanted = {r.name for r in entry.repositories}
        best, best_score = None, 0.0
        for team in vanished:
            old = previous[team.pk]
            score = len(wanted & old) / len(wanted | old) if wanted | old else 0.0
            if score > best_score:
                best, best_score = team, score
        if best is not None and best_score >= _RENAME_OVERLAP:
            vanished.remove(best)
            renamed.append((best.name, entry.name))
            best.name, best.slug = entry.name, slug
            matched[slug] = best

    created: list[str] = []
    for slug, entry in slugs.items():
        team = matched.get(slug)
        if team is None:
            team = Team(name=entry.name, slug=slug, kind=kind)
            created.append(entry.name)
        _apply_team_fields(team, entry, kind)
        team.save()
        matched[slug] = team

    unlisted = []
    for team in vanished:
        if team.listed:
            team.listed = False
            team.save(update_fields=["listed", "updated_at"])
            unlisted.append(team.name)

    names = {r.name for entry in document.teams for r in entry.repositories}
    repositories = _repositories(names)
    TeamRepository.objects.filter(source=kind).delete()
    ownership_rows = {
        (matched[slug].pk, repositories[r.name].pk): TeamRepository(
            team=matched[slug],
            repository=repositories[r.name],
            deliverable=r.deliverable,
            source=kind,
            retired_on=r.retired_on,
        )
        for slug, entry in slugs.items()
        for r in entry.repositories
    }
    TeamRepository.objects.bulk_create(ownership_rows.values())

    extra_rows: list[ExtraVoter] = []
    # legacy.yaml carries no extra-acs: retired teams' voters come from contributions.
    if kind != TeamKind.LEGACY:
        ExtraVoter.objects.filter(source=ExtraVoterSource(kind.value)).delete()
        extra_rows = [
            ExtraVoter(
                team=matched[slug],
                repository=repositories[r.name],
                name=ac.name,
                email=normalise_email(ac.email),
                reason=f"extra-acs of {r.name}" + (f" ({ac.comment})" if ac.comment else ""),
                expires_on=ac.expires_on,
                source=ExtraVoterSource(kind.value),
            )
            for slug, entry in slugs.items()
            for r in entry.repositories
            for ac in r.extra_acs
        ]
        ExtraVoter.objects.bulk_create(extra_rows)
    return GovernanceImportReport(
        files=(document.source,),
        created=tuple(created),
        renamed=tuple(renamed),
        unlisted=tuple(unlisted),
        teams=len(slugs),
        ownerships=len(ownership_rows),
        extra_voters=len(extra_rows),
    )


def _apply_team_fields(team: Team, entry: GovernanceTeam, kind: TeamKind) -> None:
    if kind != TeamKind.LEGACY:
        team.kind = kind
        team.listed = True
        team.retired_on = None
        team.leadership_type = entry.leadership_type
        team.ptl_name = entry.ptl.name if entry.ptl else ""
        team.ptl_email = normalise_email(entry.ptl.email) if entry.ptl else ""
        return
    # legacy.yaml: a team that is still listed elsewhere only lost some deliverables
    # ("partial: yes"); otherwise the team itself retired.
    still_active = team.pk is not None and team.kind != TeamKind.LEGACY and team.listed
    if not still_active:
        team.kind = TeamKind.LEGACY
        team.listed = True
        team.retired_on = entry.retired_on
        if entry.ptl and not team.ptl_name:
            team.ptl_name = entry.ptl.name
            team.ptl_email = normalise_email(entry.ptl.email)


def _repositories(names: Iterable[str]) -> dict[str, Repository]:
    wanted = set(names)
    Repository.objects.bulk_create(
        [Repository(name=name) for name in sorted(wanted)], ignore_conflicts=True
    )
    return {r.name: r for r in Repository.objects.filter(name__in=wanted)}
