"""Who may do what in an election, in one place.

Officials (accounts.roles) run elections. An election may name its own officials; when it
names none, every member of the officials' group runs it. Whoever runs an election may not
stand in it (issue 5: "Election officials cannot stand in an election they administer").
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts.roles import is_official
from elections.models import Candidacy, CandidacyState, Contest, Election, Phase


def can_administer(user: Any, election: Election) -> bool:
    """True when ``user`` is an official who runs ``election``."""
    if not is_official(user):
        return False
    if getattr(user, "is_superuser", False):
        return True
    named = election.officials.all()
    return not named.exists() or named.filter(pk=user.pk).exists()


def is_candidate_in(user: Any, contest: Contest) -> bool:
    """True when ``user`` has a candidacy in the contest (in any state: a withdrawn or
    rejected candidate still has a stake in who wins)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Candidacy.objects.filter(contest_id=contest.pk, candidate_id=user.pk).exists()


def stands_in(user: Any, election: Election) -> bool:
    """True when ``user`` has a candidacy in any contest of ``election``."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Candidacy.objects.filter(contest__election_id=election.pk, candidate_id=user.pk).exists()


def refusal_reason(actor: Any, election: Election, contest: Contest | None = None) -> str:
    """Why ``actor`` may not act on ``contest`` (or, without one, on the whole ``election``):
    '' when they may. ``None`` is the system (the scheduler, an operator's script).

    Only the election's officials act on it, and never one who stands in what they act on: a
    candidate's conflict of interest covers their contest, and every change to the election
    as a whole (its calendar, its phase, its officials) since that reaches their contest too.
    """
    if actor is None:
        return ""
    if not can_administer(actor, election):
        return "Only the officials who run this election may do this."
    if contest is not None and is_candidate_in(actor, contest):
        return (
            f"You stand as a candidate in {contest.name}, so you cannot act on it; ask "
            "another official."
        )
    if contest is None and stands_in(actor, election):
        return (
            f"You stand as a candidate in {election.name}, so you cannot change the election; "
            "ask another official."
        )
    return ""


def voter_change_conflict(actor: Any, team: Any) -> str:
    """Why ``actor`` may not change who may vote on ``team``'s rolls (or on every roll, with
    no team): they stand as a candidate in an election not yet counted, in a contest whose
    roll the change reaches (one of that team, or one drawn from every team: TC, community
    votes). Registered with ``accounts.conflicts`` when the app is ready."""
    running = Candidacy.objects.filter(candidate_id=actor.pk).exclude(
        contest__election__phase__in=(Phase.TALLIED, Phase.PUBLISHED)
    )
    if team is not None:
        running = running.filter(Q(contest__team__isnull=True) | Q(contest__team_id=team.pk))
    contest = running.select_related("contest").first()
    if contest is None:
        return ""
    return (
        f"You stand as a candidate in {contest.contest.name}, whose roll this change reaches, "
        "so you cannot change who may vote; ask another official."
    )


def can_use_officials_panel(user: Any) -> bool:
    """The elections admin is for officials only; everyone else gets 403 there."""
    return is_official(user)


def can_edit_candidacy(user: Any, candidacy: Candidacy) -> bool:
    """The candidate edits or withdraws their own active candidacy while nominations are open."""
    return (
        getattr(user, "is_authenticated", False)
        and candidacy.candidate_id == user.pk
        and candidacy.state in (CandidacyState.SUBMITTED, CandidacyState.APPROVED)
        and candidacy.contest.election.phase == Phase.NOMINATIONS
    )
