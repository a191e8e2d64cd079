"""Template helpers for election pages."""

from __future__ import annotations

import datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from elections.markdown import render_markdown

register = template.Library()


@register.simple_tag
def utc_time(moment: datetime.datetime | None) -> SafeString | str:
    """A ``<time>`` element in UTC; static/js/localtime.js rewrites it to the viewer's zone.

    Without JavaScript the UTC date stays, which is what OpenStack publishes anyway.
    """
    if moment is None:
        return ""
    utc = moment.astimezone(datetime.UTC)
    return format_html(
        '<time datetime="{}" data-localtime>{} UTC</time>',
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc.strftime("%Y-%m-%d %H:%M"),
    )


@register.filter(name="markdown")
def markdown_filter(source: str) -> SafeString:
    """Markdown → sanitised HTML (elections.markdown), for descriptions written by officials."""
    return mark_safe(render_markdown(source or ""))  # noqa: S308 - sanitised by nh3
