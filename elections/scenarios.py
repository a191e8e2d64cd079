"""Steps that put an election at a phase through the real actions, for the tests, the demos
and the benches (``elections.results.scenarios`` adds casting, counting and publication and
``scenario_build``, which walks a whole contest).

Contributions are written as an ingest would write them (one merged change per person to the
team's repository, inside the qualifying window); everything after that goes through the
actions officials and candidates use.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import (
    Contribution,
    ContributionKind,
    IngestState,
    Repository,
    Team,
    TeamKind,
    TeamRepository,
    User,
)
from elections import actions as election_actions
from elections.models import Election

# Inside every scenario's qualifying window (OpenStack's 2027.1 timeframe).
WINDOW = (datetime.date(2025, 9, 12), datetime.date(2026, 8, 19))
CONTRIBUTED_AT = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


def scenario_calendar(
    opens: datetime.datetime,
    *,
    campaigning_days: int = 7,
    window: tuple[datetime.date, datetime.date] = WINDOW,
) -> dict[str, Any]:
    """A legal calendar: 14 days of nominations, optional campaigning, 21 days of polling,
    and the qualifying window the rolls are computed over."""
    closes = opens + datetime.timedelta(days=14)
    polling = closes + datetime.timedelta(days=campaigning_days)
    return {
        "nominations_opens_at": opens,
        "nominations_closes_at": closes,
        "polling_opens_at": polling,
        "polling_closes_at": polling + datetime.timedelta(days=21),
        "window_start": window[0],
        "window_end": window[1],
    }


def scenario_team(*, name: str, slug: str, repository: str = "", ingested: bool = True) -> Team:
    """A governance team owning one repository (as importing projects.yaml would make it),
    its commits ingested (``ingested=False``: never, so its roll is refused as empty)."""
    team, _ = Team.objects.get_or_create(
        slug=slug, defaults={"name": name, "kind": TeamKind.OFFICIAL, "leadership_type": "ptl"}
    )
    owned, _ = Repository.objects.get_or_create(name=repository or f"openstack/{slug}")
    TeamRepository.objects.get_or_create(
        team=team,
        repository=owned,
        defaults={"deliverable": slug, "source": TeamKind.OFFICIAL},
    )
    if ingested:
        IngestState.objects.get_or_create(repository=owned)
    return team


def scenario_contribute(
    team: Team, email: str, *, when: datetime.datetime = CONTRIBUTED_AT, name: str = ""
) -> None:
    """One merged change by ``email`` to each of the team's repositories (once: running it
    again adds nothing), as a commit ingest would store it."""
    for repository in team.repositories.all():
        ref = hashlib.sha1(f"{repository.name} {email}".encode(), usedforsecurity=False)
        Contribution.objects.get_or_create(
            repository=repository,
            kind=ContributionKind.COMMIT,
            source="git",
            ref=ref.hexdigest(),
            defaults={"email": email.lower(), "name": name or email.split("@")[0], "date": when},
        )


def scenario_person(
    email: str,
    *,
    team: Team | None = None,
    full_name: str = "",
    password: str | None = None,
    when: datetime.datetime = CONTRIBUTED_AT,
) -> User:
    """An account with a verified address (found if it exists), and with ``team`` one merged
    change to the team's repositories."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if team is not None:
        scenario_contribute(team, email, when=when, name=full_name)
    return user


def scenario_election(
    *,
    official: User | None,
    slug: str,
    name: str = "",
    description: str = "",
    opens: datetime.datetime | None = None,
    window: tuple[datetime.date, datetime.date] = WINDOW,
    campaigning_days: int = 7,
    **overrides: Any,
) -> Election:
    """A draft election whose calendar starts at ``opens`` (tomorrow by default);
    ``overrides`` replace calendar fields or set others (``email_deadline``, ...)."""
    fields = scenario_calendar(
        opens or timezone.now() + datetime.timedelta(days=1),
        campaigning_days=campaigning_days,
        window=window,
    )
    fields.update(overrides)
    return election_actions.election_create(
        actor=official,
        name=name or f"Election {slug}",
        slug=slug,
        description=description,
        **fields,
    )


def scenario_move(election: Election, to: str, *, actor: User | None, reason: str = "") -> Election:
    """Enter phase ``to`` by hand now (the phase machine moves the calendar's boundary)."""
    return election_actions.election_phase_move(
        election=election, to_phase=to, actor=actor, reason=reason or f"scenario: {to}"
    )


def scenario_stand(
    contest: Any,
    person: User,
    *,
    reviewer: User,
    approve: bool | None = True,
    platform: str = "I will keep the lights on.",
    affiliation: str = "",
    reason: str = "",
) -> Any:
    """``person`` stands in ``contest``; ``reviewer`` approves or rejects (None: not yet)."""
    candidacy = election_actions.candidacy_submit(
        contest=contest, candidate=person, platform=platform, affiliation=affiliation
    )
    if approve is None:
        return candidacy
    return election_actions.candidacy_review(
        candidacy=candidacy, reviewer=reviewer, approve=approve, reason=reason
    )
