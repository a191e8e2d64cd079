"""An address proven by a link mailed to it: the one-step way in of an election's invitation.

Following the link proves control of the address as allauth's confirmation mail does; this
action decides whose account that makes it, creating one when nobody holds the address.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.commitlog import normalise_email
from accounts.models import EmailVerification, User
from accounts.two_factor import has_authenticator_app, must_use_second_factor


@dataclass(frozen=True)
class ProvenAddress:
    """Who holds a proven address, and whether the link may sign them in."""

    user: User
    created: bool
    # Officials, staff and anyone with an authenticator app sign in with their second
    # factor: a mailed link is one factor only. Their address is verified all the same.
    may_sign_in: bool


def _claim_unverified(
    address: str, signed_in: User | None
) -> tuple[User | None, list[EmailAddress]]:
    """The account an unverified address goes to, and the other accounts' claims to drop.

    Unverified means unproven: whoever typed it on an account has shown nothing. The link's
    follower controls it, so it goes to the account they are signed in to if that one holds
    it, else to an account created with it as its only address and never verified (signing
    in there is what a password reset mailed to it would allow; the password typed at
    sign-up is dropped, since whoever typed it had not proven the address). Anyone else's
    claim on it is removed, so nobody else can vote as its roll entry later.
    """
    rows = list(
        EmailAddress.objects.select_for_update()
        .filter(email__iexact=address, verified=False)
        .select_related("user")
        .order_by("pk")
    )
    for row in rows:
        if signed_in is not None and row.user_id == signed_in.pk:
            return signed_in, [other for other in rows if other.pk != row.pk]
    for row in rows:
        owner = row.user
        only_this = not EmailAddress.objects.filter(user=owner).exclude(pk=row.pk).exists()
        if owner.email.lower() == address and only_this:
            owner.set_unusable_password()
            owner.save(update_fields=["password"])
            return owner, [other for other in rows if other.pk != row.pk]
    return None, rows


@transaction.atomic
def address_proven_by_mail(*, email: str, full_name: str, signed_in: User | None) -> ProvenAddress:
    """Mark ``email`` verified as proven by a mailed link, on the account that holds it or a
    new one named ``full_name``; the verification counts whatever an e-mail deadline says
    (``EmailVerification.by_invitation``)."""
    address = normalise_email(email)
    created = False
    row = (
        EmailAddress.objects.select_for_update()
        .filter(email__iexact=address, verified=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if row is not None:
        user = row.user
        EmailAddress.objects.filter(email__iexact=address, verified=False).exclude(
            user=user
        ).delete()
    else:
        owner, dropped = _claim_unverified(address, signed_in)
        for other in dropped:
            other.delete()
        if owner is None:
            holder = User.objects.filter(email__iexact=address).first()
            if holder is None:
                holder = User.objects.create_user(email=address, password=None)
                holder.full_name = " ".join(full_name.split())
                holder.save(update_fields=["full_name"])
                created = True
            owner = holder
        row = EmailAddress.objects.filter(user=owner, email__iexact=address).first()
        if row is None:
            has_primary = EmailAddress.objects.filter(user=owner, primary=True).exists()
            row = EmailAddress.objects.create(
                user=owner, email=address, primary=not has_primary, verified=True
            )
        else:
            row.verified = True
            row.save(update_fields=["verified"])
        user = owner
    record, made = EmailVerification.objects.get_or_create(
        email_address_id=row.pk,
        defaults={"verified_at": timezone.now(), "by_invitation": True},
    )
    if not made and not record.by_invitation:
        record.by_invitation = True
        record.save(update_fields=["by_invitation"])
    may_sign_in = (
        user.is_active and not must_use_second_factor(user) and not has_authenticator_app(user)
    )
    return ProvenAddress(user=user, created=created, may_sign_in=may_sign_in)
