"""Results shown on pages the results app does not own (the home page)."""

from __future__ import annotations

from typing import Any

from django import template

from elections.results import selectors
from elections.results.models import Result
from elections.results.permissions import elections_with_hidden_results

register = template.Library()


@register.simple_tag(takes_context=True)
def latest_results(context: dict[str, Any], count: int = 5) -> list[Result]:
    """The ``count`` most recently published results the viewer may see, newest first."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    hidden = elections_with_hidden_results(user)
    return list(selectors.published_results().exclude(contest__election_id__in=hidden)[:count])
