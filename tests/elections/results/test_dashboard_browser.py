"""An official runs an election from its dashboard in Chromium (signed in with password and
authenticator code): nominations → polling → closed (sealed and counted) → published, then
unpublished with a reason and published again; axe-core on every page. The screenshots in
docs/screenshots/ that README's officials' section shows come from this walk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from elections.models import Phase
from elections.results.scenarios import scenario_build, scenario_cast
from tests.conftest import browser_sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def _shot(tab: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.locator("#content").screenshot(path=str(SCREENSHOTS / name), scale="css")


def _move(tab: Any, phase: str, reason: str) -> None:
    tab.get_by_label(f"Reason for moving to {phase}").fill(reason)
    tab.get_by_role("button", name=f"Move to {phase}").click()
    tab.wait_for_load_state()


def test_an_official_runs_an_election_from_its_dashboard(
    live_server: Any, page: Any, axe: Any, official: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    scenario = scenario_build(
        official=official,
        slug="walk-2027",
        phase=Phase.NOMINATIONS,
        ballots=((1, 2, 3), (2, 1, 3), (1, 3, 2)),
        password=PASSWORD,
    )
    official.set_password(PASSWORD)
    official.save(update_fields=["password"])
    base = live_server.url
    page.set_viewport_size({"width": 1000, "height": 800})
    browser_sign_in(page, base, official.email, PASSWORD)
    page.get_by_label("Code").fill(totp_code())
    page.locator("main").get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()

    # From the panel's index to the dashboard.
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name=scenario.election.name).first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/officials/elections/walk-2027/")
    assert axe(page) == []
    statistics = page.locator("#statistics").inner_text()
    assert "1 election needed, 0 acclaimed, 0 leaderless" in statistics
    _shot(page, "dashboard-nominations.png")

    # A move without a reason never reaches the server (the field is required).
    page.get_by_role("button", name="Move to Polling").click()
    assert "Nominations" in page.locator(".phase-now").inner_text()
    _move(page, "Polling", "The calendar's date, opened by hand for the walk.")
    assert "moved to Polling" in page.locator(".messagelist").inner_text()
    assert axe(page) == []

    contest = scenario.contest
    contest.refresh_from_db()
    for voter, ranks in zip(scenario.electors, ((1, 2, 3), (2, 1, 3), (1, 3, 2)), strict=False):
        labels = [choice.label for choice in contest.ballot_choices()]
        scenario_cast(contest, voter, dict(zip(labels, ranks, strict=True)))
    page.reload()
    assert "3 of 7 (42.9%)" in page.locator("#contests").inner_text()
    _shot(page, "dashboard-polling.png")

    # Closing queues the seal and the count (run at once in tests); the election is tallied.
    _move(page, "Closed", "Polling is over.")
    assert "Tallied" in page.locator(".phase-now").inner_text()
    assert "Draft (officials only)" in page.locator("#contests").inner_text()
    assert axe(page) == []
    _shot(page, "dashboard-tallied.png")

    page.get_by_role("button", name="Publish Technical Committee").click()
    page.wait_for_load_state()
    assert "result published" in page.locator(".messagelist").inner_text()
    assert "Published" in page.locator(".phase-now").inner_text()
    assert axe(page) == []
    _shot(page, "dashboard-published.png")

    page.get_by_label("Reason for taking it down").fill("A name was misspelt.")
    page.get_by_role("button", name="Unpublish Technical Committee").click()
    page.wait_for_load_state()
    assert "taken down" in page.locator(".messagelist").inner_text()
    assert "Taken down: A name was misspelt." in page.locator("#contests").inner_text()
    assert axe(page) == []
    page.get_by_role("button", name="Publish Technical Committee").click()
    page.wait_for_load_state()
    assert "result published" in page.locator(".messagelist").inner_text()
    page.goto(f"{base}/results/walk-2027/")
    assert "Alice Able" in page.content()
