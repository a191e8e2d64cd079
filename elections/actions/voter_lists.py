"""A contest's own voter list: an uploaded file or a governance member list (the TC chair is
elected by the TC's members), with or instead of the contributors."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from audit.actions import audit_record, audit_target
from elections.actions.errors import ElectionError
from elections.models import Contest, ContestElectorate, ContestVoter, Phase
from elections.permissions import refusal_reason
from elections.voterlist import ListedVoter


@transaction.atomic
def contest_voter_list_set(
    *,
    contest: Contest,
    actor: Any,
    voters: Sequence[ListedVoter],
    filename: str,
    electorate: str = ContestElectorate.LIST,
) -> int:
    """Replace the contest's voter list with ``voters`` (already checked whole: see
    ``elections.voterlist``) and say whether it is the whole electorate or added to the
    contributors. Only while the election is a draft: the nomination roll, frozen when
    nominations open, decides who may stand. Audited with the list's SHA-256 (of the sorted
    addresses, one per line, as rolls are), so two officials can compare the file they hold."""
    contest = Contest.objects.select_for_update().select_related("election").get(pk=contest.pk)
    reason = refusal_reason(actor, contest.election, contest)
    if reason:
        raise ElectionError(reason)
    if contest.election.phase != Phase.DRAFT:
        raise ElectionError(
            "A contest's voter list can change only while the election is a draft: the rolls "
            "are frozen from the opening of nominations."
        )
    if electorate not in (ContestElectorate.LIST, ContestElectorate.COMMITS_AND_LIST):
        raise ElectionError("Choose whether the list is the whole electorate or added to it.")
    if not voters:
        raise ElectionError(f"{filename}: no addresses.")
    ContestVoter.objects.filter(contest=contest).delete()
    ContestVoter.objects.bulk_create(
        [
            ContestVoter(
                contest=contest,
                email=voter.email,
                name=voter.name,
                source=f"{filename}, line {voter.line}"[:200],
            )
            for voter in voters
        ]
    )
    contest.electorate = electorate
    contest.save(update_fields=["electorate"])
    emails = "".join(f"{email}\n" for email in sorted(voter.email for voter in voters))
    audit_record(
        actor=actor,
        action="contest.voter_list_set",
        target=audit_target(contest),
        detail={
            "file": filename,
            "voters": len(voters),
            "sha256": hashlib.sha256(emails.encode()).hexdigest(),
            "electorate": electorate,
        },
    )
    return len(voters)
