"""Receivers of allauth's signals that record when each address was verified.

allauth keeps no verification time; an election's e-mail deadline needs one
(``accounts.selectors.on_roll_sql``). The receivers only call the action."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress

from accounts.actions import email_verification_record


def record_address_verified(*, email_address: Any, **kwargs: Any) -> None:
    """allauth's ``email_confirmed``: the person followed the link (or typed the code)."""
    email_verification_record(email_address=email_address)


def record_signup_addresses(*, user: Any, **kwargs: Any) -> None:
    """allauth's ``user_signed_up``: a new account's addresses that arrive verified (from
    GitHub, GitLab or OpenID Connect) were verified now, as far as this site can tell. A new
    account has no address from before these records were kept, so none is made late."""
    for address in EmailAddress.objects.filter(user=user, verified=True):
        email_verification_record(email_address=address)
