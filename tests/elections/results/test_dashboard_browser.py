"""Two officials run a whole election from the panel in Chromium, each signed in with password
and authenticator code: import OpenStack's configuration.yaml, review candidacies (one
proposes, the other confirms), settle nominations, open polling, close (sealed and counted),
publish, unpublish with a reason and publish again. axe-core checks every page (violations and
"incomplete" findings of serious or critical impact fail). The screenshots in
docs/screenshots/ that README's officials' guide shows come from this walk."""

from __future__ import annotations

import datetime
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accounts.roles import ensure_official_group
from elections import actions as election_actions
from elections.models import Contest, Election
from elections.results.scenarios import scenario_cast
from elections.scenarios import scenario_person, scenario_team
from tests.conftest import browser_sign_in, browser_tab, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[3]
# README's screenshots are rewritten by `make screenshots` (which names docs/screenshots here);
# any other run takes them into a temporary directory and leaves the tree as it was.
SCREENSHOTS = Path(
    os.environ.get("STACKVOTE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "stackvote-screenshots"
)
CONFIGURATION = ROOT / "data" / "openstack" / "configuration.yaml"


def _next_cycle() -> tuple[bytes, datetime.datetime]:
    """OpenStack's configuration.yaml with every date moved by whole weeks so that its
    nominations open within the next week, as the file for the coming cycle would read; and
    a moment inside its qualifying window (when the electors contributed)."""
    text = CONFIGURATION.read_text()
    stamp = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})")
    opens = datetime.datetime.fromisoformat(
        re.search(r"Nominations\s+start: (\S+)", text).group(1)  # type: ignore[union-attr]
    )
    weeks = (datetime.datetime.now() - opens).days // 7 + 1  # noqa: DTZ005 - naive, as the file
    shift = datetime.timedelta(weeks=weeks)

    def moved(match: re.Match[str]) -> str:
        when = datetime.datetime.fromisoformat(f"{match[1]}T{match[2]}") + shift
        return when.strftime("%Y-%m-%dT%H:%M")

    window_start = datetime.datetime.fromisoformat(
        re.search(r"timeframe:[^$]*?start: (\S+)", text).group(1)  # type: ignore[union-attr]
    )
    contributed = (window_start + shift + datetime.timedelta(days=60)).replace(tzinfo=datetime.UTC)
    return stamp.sub(moved, text).encode(), contributed


def _shot(tab: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.locator("#content").screenshot(path=str(SCREENSHOTS / name), scale="css")


def _sign_in(tab: Any, base: str, email: str) -> None:
    browser_sign_in(tab, base, email, PASSWORD)
    tab.get_by_label("Code").fill(totp_code())
    tab.locator("main").get_by_role("button", name="Sign In").click()
    tab.wait_for_load_state()


def _move(tab: Any, phase: str, reason: str) -> None:
    tab.get_by_label(f"Reason for moving to {phase}").fill(reason)
    tab.get_by_role("button", name=f"Move to {phase}").click()
    tab.wait_for_load_state()


def _message(tab: Any) -> str:
    return tab.locator(".messagelist").inner_text()


def _review_row(tab: Any, name: str) -> Any:
    return tab.locator("#review tbody tr", has_text=name)


@pytest.fixture
def second_tab(chromium: Any) -> Iterator[Any]:
    """The second official's own browser."""
    yield from browser_tab(chromium, 1000, 800)


def test_two_officials_import_review_and_run_an_election_to_publication(
    live_server: Any,
    page: Any,
    second_tab: Any,
    axe: Any,
    official: Any,
    make_user: Any,
    settings: Any,
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    configuration, contributed = _next_cycle()
    nova = scenario_team(name="Nova", slug="nova")
    scenario_team(name="Swift", slug="swift")
    people = {
        name: scenario_person(
            f"{name.split()[0].lower()}@example.org",
            team=nova,
            full_name=name,
            password=PASSWORD,
            when=contributed,
        )
        for name in ("Ana Ortiz", "Bo Chen", "Cy Dube", "Di Evans", "Ed Fox")
    }
    second = make_user("second.official@example.org", is_staff=True, full_name="Sam Second")
    second.groups.add(ensure_official_group())
    official.full_name = "Olu First"
    official.set_password(PASSWORD)
    official.save(update_fields=["full_name", "password"])
    base = live_server.url
    page.set_viewport_size({"width": 1000, "height": 800})
    _sign_in(page, base, official.email)

    # The panel's index links the import page; the file goes in with Nova ticked.
    page.goto(f"{base}/admin/")
    assert axe(page) == []
    page.get_by_role("link", name="Import an election from configuration.yaml").click()
    page.wait_for_load_state()
    assert axe(page) == []
    page.get_by_label("Upload configuration.yaml").set_input_files(
        {"name": "configuration.yaml", "mimeType": "application/yaml", "buffer": configuration}
    )
    page.get_by_label("Nova").check()
    page.get_by_label("Move the phases by hand").check()
    assert page.get_by_label("Two officials approve each candidacy").is_checked()
    _shot(page, "import-configuration.png")
    page.get_by_role("button", name="Import the election").click()
    page.wait_for_load_state()
    assert page.url.endswith("/officials/elections/2027-1-combined/")
    assert "Imported 2027.1 PTL and TC elections as a draft with 2 contests" in _message(page)
    assert axe(page) == []
    election = Election.objects.get(slug="2027-1-combined")
    assert election.two_official_approval and not election.auto_advance
    nova_ptl = Contest.objects.get(election=election, slug="nova")
    tc = Contest.objects.get(election=election, slug="tc")

    # Nominations open; four people stand (as they would on the site).
    _move(page, "Nominations", "The cycle's nominations open.")
    assert "moved to Nominations" in _message(page)
    standing = (
        ("Ana Ortiz", nova_ptl),
        ("Bo Chen", nova_ptl),
        ("Cy Dube", tc),
        ("Ed Fox", nova_ptl),
    )
    for name, contest in standing:
        election_actions.candidacy_submit(
            contest=contest,
            candidate=people[name],
            platform=f"{name} for {contest.name}.",
            affiliation="Example Cloud" if contest == tc else "",
        )
    page.reload()
    assert "4 candidacies awaiting review" in page.locator("#blockers").inner_text()
    assert "Two officials approve each candidacy" in page.locator("#review").inner_text()

    # The first official proposes approvals, and cannot confirm their own proposal.
    for name in ("Ana Ortiz", "Bo Chen", "Cy Dube"):
        _review_row(page, name).get_by_role("button", name="Propose approval").click()
        page.wait_for_load_state()
        assert "approval proposed; another official confirms it" in _message(page)
    assert "You proposed approving it" in _review_row(page, "Ana Ortiz").inner_text()
    assert (
        _review_row(page, "Ana Ortiz").get_by_role("button", name="Confirm approval").count() == 0
    )
    assert axe(page) == []
    _shot(page, "dashboard-review-proposed.png")

    # The second official confirms three and rejects one, with the reason the candidate is sent.
    _sign_in(second_tab, base, second.email)
    second_tab.goto(f"{base}/officials/elections/2027-1-combined/")
    assert "Proposed by Olu First." in _review_row(second_tab, "Bo Chen").inner_text()
    assert axe(second_tab) == []
    _shot(second_tab, "dashboard-review-confirm.png")
    for name in ("Ana Ortiz", "Bo Chen", "Cy Dube"):
        _review_row(second_tab, name).get_by_role("button", name="Confirm approval").click()
        second_tab.wait_for_load_state()
        assert "approved" in _message(second_tab)
    row = _review_row(second_tab, "Ed Fox")
    row.get_by_label("Reason, sent to the candidate").fill("Nominated twice: Ana Ortiz stands.")
    row.get_by_role("button", name="Reject").click()
    second_tab.wait_for_load_state()
    assert "rejected" in _message(second_tab)
    assert second_tab.locator("#review").count() == 0
    assert axe(second_tab) == []
    page.reload()
    assert (
        "1 election needed, 1 acclaimed, 0 leaderless" in page.locator("#statistics").inner_text()
    )
    assert "awaiting review" not in page.locator("#blockers").inner_text()
    _shot(page, "dashboard-nominations.png")

    # Settling nominations: the TC is acclaimed, Nova goes to the polls.
    _move(page, "Polling", "Nominations are over; the TC is acclaimed, Nova polls.")
    assert "moved to Polling" in _message(page)
    assert axe(page) == []
    nova_ptl.refresh_from_db()
    labels = [choice.label for choice in nova_ptl.ballot_choices()]
    for name, ranks in (("Cy Dube", (1, 2)), ("Di Evans", (2, 1)), ("Ed Fox", (1, 2))):
        scenario_cast(nova_ptl, people[name], dict(zip(labels, ranks, strict=True)))
    page.reload()
    assert "3 of 5 (60.0%)" in page.locator("#contests").inner_text()
    _shot(page, "dashboard-polling.png")

    # Closing the polls seals and counts them (a worker does; at once in tests).
    _move(page, "Closed", "Polling is over.")
    assert "Tallied" in page.locator(".phase-now").inner_text()
    assert "Draft (officials only)" in page.locator("#contests").inner_text()
    assert axe(page) == []
    _shot(page, "dashboard-tallied.png")

    page.get_by_role("button", name="Publish Nova PTL").click()
    page.wait_for_load_state()
    assert "result published" in _message(page)
    assert "Published" in page.locator(".phase-now").inner_text()
    assert axe(page) == []
    _shot(page, "dashboard-published.png")

    page.get_by_label("Reason for taking it down").fill("A name was misspelt.")
    page.get_by_role("button", name="Unpublish Nova PTL").click()
    page.wait_for_load_state()
    assert "taken down" in _message(page)
    assert "Taken down: A name was misspelt." in page.locator("#contests").inner_text()
    assert "Tallied" in page.locator(".phase-now").inner_text()
    assert axe(page) == []
    page.get_by_role("button", name="Publish Nova PTL").click()
    page.wait_for_load_state()
    assert "result published" in _message(page)
    page.goto(f"{base}/results/2027-1-combined/")
    assert axe(page) == []
    assert "Ana Ortiz" in page.locator("main").inner_text()
