"""Who may do what in an election, in one place.

Officials (accounts.roles) run elections. An election may name its own officials; when it
names none, every member of the officials' group runs it. Whoever runs an election may not
stand in it (issue 5: "Election officials cannot stand in an election they administer").
"""

from __future__ import annotations

from typing import Any

from accounts.roles import is_official
from elections.models import Candidacy, CandidacyState, Election, Phase


def can_administer(user: Any, election: Election) -> bool:
    """True when ``user`` is an official who runs ``election``."""
    if not is_official(user):
        return False
    if getattr(user, "is_superuser", False):
        return True
    named = election.officials.all()
    return not named.exists() or named.filter(pk=user.pk).exists()


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
