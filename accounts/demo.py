"""Demo people: a few contributors with verified e-mail addresses and one election official.

Loaded by ``python manage.py demo``; running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from accounts.roles import ensure_official_group

DEMO_PASSWORD = "stackvote-demo"  # noqa: S105 - published demo login, refused when DEBUG is off


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    official: bool = False
    extra_emails: tuple[str, ...] = ()
    unverified_emails: tuple[str, ...] = ()


DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("official@example.org", "Olga Official", official=True),
    DemoPerson("alice@example.org", "Alice Contributor", extra_emails=("alice@work.example.com",)),
    DemoPerson("bob@example.org", "Bob Reviewer"),
    DemoPerson("carol@example.org", "Carol Core", unverified_emails=("carol@old.example.net",)),
    DemoPerson("dave@example.org", "Dave Docs"),
    DemoPerson("erin@example.org", "Erin Newcomer"),
)


@transaction.atomic
def load_people() -> list[tuple[str, str]]:
    """Create the demo accounts; return (login, role) pairs to print."""
    officials: Group = ensure_official_group()
    logins: list[tuple[str, str]] = []
    for person in DEMO_PEOPLE:
        user, created = User.objects.get_or_create(
            email=person.email,
            defaults={"full_name": person.full_name, "is_staff": person.official},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if person.official:
            user.groups.add(officials)
        for address in (person.email, *person.extra_emails):
            EmailAddress.objects.update_or_create(
                user=user,
                email=address,
                defaults={"verified": True, "primary": address == person.email},
            )
        for address in person.unverified_emails:
            EmailAddress.objects.get_or_create(
                user=user, email=address, defaults={"verified": False}
            )
        logins.append((person.email, "election official" if person.official else "contributor"))
    return logins
