"""Results shown on pages the results app does not own (the home page)."""

from __future__ import annotations

from django import template

from elections.results import selectors
from elections.results.models import Result

register = template.Library()


@register.simple_tag
def latest_results(count: int = 5) -> list[Result]:
    """The ``count`` most recently published results, newest first."""
    return list(selectors.published_results()[:count])
