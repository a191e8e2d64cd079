"""When a person's addresses were verified, for the e-mail deadline of each election."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from accounts.models import EmailVerification


def email_verification_record(
    *, email_address: Any, when: datetime.datetime | None = None
) -> EmailVerification:
    """Record that ``email_address`` (allauth's EmailAddress) was verified at ``when`` (now).

    The first record stays: confirming an address again does not make it late. Not audited:
    the time is the person's own business, shown only to them; whether it counts for an
    election is decided from it when they vote.
    """
    record, _ = EmailVerification.objects.get_or_create(
        email_address_id=email_address.pk,
        defaults={"verified_at": when or timezone.now()},
    )
    return record
