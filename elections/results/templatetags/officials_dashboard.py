"""The elections an official runs, with their dashboards, on the panel's index page."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.roles import is_official
from elections.models import Election, Phase
from elections.permissions import can_administer

register = template.Library()


@register.simple_tag
def administered_elections(user: Any) -> list[Election]:
    """Elections ``user`` runs, those still under way first, then the newest."""
    elections = Election.objects.prefetch_related("officials").order_by("-polling_closes_at")
    mine = [election for election in elections if can_administer(user, election)]
    return sorted(mine, key=lambda election: election.phase == Phase.PUBLISHED)


@register.simple_tag
def may_import_elections(user: Any) -> bool:
    """Whether ``user`` sees the link to import an election (the officials' group)."""
    return is_official(user)
