"""People and teams known from another body's published record (an imported OpenStack cycle):
the candidate named by an address in ``candidates/<release>/``, and a team that held a PTL
election then, whatever the governance files say now."""

from __future__ import annotations

import re
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.text import slugify

from accounts.actions.errors import EligibilityError
from accounts.commitlog import normalise_email
from accounts.models import Team, TeamKind, User
from audit.actions import audit_record, audit_target


@transaction.atomic
def person_of_record(*, email: str, full_name: str = "", actor: Any = None) -> User:
    """The account of the person an address names: the one that verified it, else the one
    whose primary address it is, else a new account without a password (the person can
    claim it by resetting the password at that address). A name given fills a blank one;
    a name the person set stays."""
    address = normalise_email(email)
    if not address or "@" not in address:
        raise EligibilityError(f"{email!r} is not an e-mail address.")
    verified = (
        EmailAddress.objects.filter(email__iexact=address, verified=True)
        .select_related("user")
        .first()
    )
    user = verified.user if verified else User.objects.filter(email__iexact=address).first()
    name = " ".join(full_name.split())
    if user is None:
        user = User.objects.create_user(email=address, password=None, full_name=name)
        audit_record(
            actor=actor,
            action="account.of_record",
            target=audit_target(user),
            detail={"email": address, "full_name": name},
        )
    elif name and not user.full_name:
        user.full_name = name
        user.save(update_fields=["full_name"])
    return user


@transaction.atomic
def team_of_record(*, name: str, actor: Any = None) -> Team:
    """The team a published record names (``Puppet_OpenStack`` is "Puppet OpenStack"):
    found by name, by its record's spelling or its slug, or else kept as an unlisted official
    team that the governance files no longer hold (a retired team's last cycles)."""
    spoken = " ".join(name.replace("_", " ").split())
    if not spoken:
        raise EligibilityError("A team of record needs a name.")
    by_directory = {
        t.name.replace(" ", "_").casefold(): t for t in Team.objects.only("name", "slug")
    }
    # openstack/election's dir2name: the name without spaces, hyphens and underscores, in
    # any case ("OpenStack_Helm" is "OpenStack-Helm", "Ec2_Api" is "ec2-api").
    bare = {_bare(t.name): t for t in Team.objects.only("name", "slug")}
    team = (
        Team.objects.filter(name__iexact=spoken).first()
        or by_directory.get(name.strip().casefold())
        or Team.objects.filter(slug=slugify(spoken)).first()
        or bare.get(_bare(name))
    )
    if team is not None:
        return team
    team = Team.objects.create(
        name=spoken,
        slug=slugify(spoken),
        kind=TeamKind.OFFICIAL,
        leadership_type="ptl",
        listed=False,
    )
    audit_record(
        actor=actor,
        action="team.of_record",
        target=audit_target(team),
        detail={"name": spoken, "record": name},
    )
    return team


def _bare(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name).casefold()
