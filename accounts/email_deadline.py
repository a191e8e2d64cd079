"""Reads of when a person's addresses were verified, for each election's e-mail deadline.

allauth keeps no verification time; ``accounts.models.EmailVerification`` does, from the time
these records began. The roll test itself (``accounts.selectors.on_roll_sql``) applies the same
rule in SQL; these answer the pages that say why an address does not count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress

from accounts.commitlog import normalise_email


def user_address_verification_times(user: Any) -> dict[str, datetime | None]:
    """The user's verified addresses, normalised, each with when it was verified: None for
    an address verified before these times were recorded (it counts as verified long ago)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    times: dict[str, datetime | None] = {}
    rows = EmailAddress.objects.filter(user=user, verified=True).values_list(
        "email", "verification__verified_at", "verification__by_invitation"
    )
    for email, verified_at, by_invitation in rows:
        address = normalise_email(email)
        if by_invitation:
            # Proven by an election's invitation: counts whatever the deadline (models).
            verified_at = None
        earlier = times.get(address, verified_at)
        # One address held twice (case): the earlier verification counts.
        times[address] = (
            None if earlier is None or verified_at is None else min(earlier, verified_at)
        )
    return times


def verified_in_time(verified_at: datetime | None, email_deadline: datetime | None) -> bool:
    """Whether an address verified at ``verified_at`` counts for an election whose e-mail
    deadline is ``email_deadline``: strictly before it, or at any time without one. No time
    means verified before times were recorded, long ago."""
    return verified_at is None or email_deadline is None or verified_at < email_deadline


def addresses_verified_late(
    user: Any, email_deadline: datetime | None
) -> tuple[tuple[str, datetime], ...]:
    """(address, when verified) for each of the user's addresses verified at or after the
    e-mail deadline: none of them counts for that election's rolls."""
    return tuple(
        sorted(
            (address, verified_at)
            for address, verified_at in user_address_verification_times(user).items()
            if verified_at is not None and not verified_in_time(verified_at, email_deadline)
        )
    )
