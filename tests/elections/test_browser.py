"""The election page in Chromium: dates in the viewer's timezone with JavaScript, UTC without."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from elections import actions
from elections.models import ContestKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPENS = datetime.datetime(2031, 1, 6, 23, 45, tzinfo=datetime.UTC)


@pytest.fixture
def election(official: Any, make_contest: Any) -> Any:
    from tests.elections.conftest import calendar_from

    election = actions.election_create(
        actor=official, name="Browser election", slug="browser", **calendar_from(OPENS)
    )
    make_contest(election, kind=ContestKind.TC, seats=2)
    # Public pages show no draft: shown as if nominations had opened, dates unchanged.
    type(election).objects.filter(pk=election.pk).update(phase="nominations")
    return election


def _first_time(tab: Any) -> tuple[str, str]:
    node = tab.locator("time[data-localtime]").first
    return node.inner_text(), node.get_attribute("datetime") or ""


def test_dates_are_shown_in_the_viewers_timezone(
    chromium: Any, live_server: Any, election: Any
) -> None:
    # CSP enforced: the script is a static file, never inline.
    context = chromium.new_context(timezone_id="Asia/Tokyo", locale="en-GB")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(f"{live_server.url}{election.get_absolute_url()}")
    text, stamp = _first_time(tab)
    assert stamp == "2031-01-06T23:45:00Z"
    # 23:45 UTC is 08:45 the next day in Tokyo.
    assert "7 Jan 2031" in text and "08:45" in text, text
    assert "UTC" in (tab.locator("time[data-localtime]").first.get_attribute("title") or "")
    assert errors == []
    context.close()


def test_without_javascript_the_dates_stay_in_utc(
    chromium: Any, live_server: Any, election: Any
) -> None:
    context = chromium.new_context(java_script_enabled=False, timezone_id="Asia/Tokyo")
    tab = context.new_page()
    tab.goto(f"{live_server.url}{election.get_absolute_url()}")
    assert _first_time(tab) == ("2031-01-06 23:45 UTC", "2031-01-06T23:45:00Z")
    context.close()


def test_the_election_page_has_no_serious_accessibility_findings(
    page: Any, live_server: Any, election: Any, axe: Any
) -> None:
    page.goto(f"{live_server.url}{election.get_absolute_url()}")
    assert axe(page) == []
