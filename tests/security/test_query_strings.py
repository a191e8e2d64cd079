"""Query strings nobody meant to send: every page, public or signed-in, answers without a
500 when any parameter it might read (``election``, ``q``, ``page``, ``next``, admin
filters...) carries a NUL, a huge number, markup or an injection attempt."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.builders import World
from tests.security.test_authorization import (
    ADMIN_SAMPLE_CHANGELISTS,
    _client,
    _url,
)
from tests.security.test_xss import dangers_in_html
from tests.security.urlwalk import all_routes

pytestmark = pytest.mark.django_db

NASTY = ("\x00", "9" * 5000, "<script>alert(1)</script>", "' OR 1=1 --/../%2e%2e")
PARAMETERS = ("election", "contest", "q", "o", "p", "page", "next", "format", "kind", "e")
ADMIN_PARAMETERS = (
    "q",
    "o",
    "p",
    "e",
    "state__exact",
    "phase",
    "kind__exact",
    "_changelist_filters",
)


def test_no_page_fails_on_a_strange_query_string(world: World, settings: Any) -> None:
    settings.REDIS_URL = ""  # the health check would wait for a Celery worker
    failures = []
    for role in ("anonymous", "official"):
        # Collect every failure instead of stopping at the first exception.
        client = _client(world, role, raise_request_exception=False)
        for route in all_routes():
            if route.is_admin:
                continue
            url = _url(world, route)
            for value in NASTY:
                query = urlencode(dict.fromkeys(PARAMETERS, value))
                response = client.get(f"{url}?{query}")
                if response.status_code >= 500:
                    failures.append(f"{route.name} as {role}, {value[:20]!r}")
                elif response.get("Content-Type", "").startswith("text/html"):
                    failures += [
                        f"{route.name} as {role}: {danger}"
                        for danger in dangers_in_html(response.content.decode())
                    ]
    assert not failures, "\n".join(failures)


def test_admin_changelists_survive_strange_filters(world: World) -> None:
    client = _client(world, "official", raise_request_exception=False)
    failures = []
    for name in ADMIN_SAMPLE_CHANGELISTS:
        for value in NASTY:
            query = urlencode(dict.fromkeys(ADMIN_PARAMETERS, value))
            response = client.get(f"{reverse(name)}?{query}")
            if response.status_code >= 500:
                failures.append(f"{name} {value[:20]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)
