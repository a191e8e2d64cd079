"""A new voter's whole path in Debian's Chromium on a phone-sized screen: sign up with a name,
verify the address from the mail, read a platform on the ballot, vote, change the vote with
the receipt. axe-core checks each page (violations and "incomplete" findings of serious or
critical impact fail), and no page scrolls sideways at 390 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail

from accounts.actions import voter_add
from elections.models import Phase
from elections.results.scenarios import scenario_build
from elections.scenarios import scenario_move
from tests.conftest import axe_findings, browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "new.voter@example.org"
PASSWORD = "a long and unusual passphrase 42"
RECEIPT = re.compile(r"^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$")


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A 390 px wide tab (CSP bypassed only so that axe-core can be injected)."""
    context = chromium.new_context(
        bypass_csp=True, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def check(tab: Any) -> None:
    """The page passes axe and nothing on it is wider than the screen."""
    assert axe_findings(tab) == [], tab.url
    too_wide = tab.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert too_wide <= 0, f"{tab.url} scrolls sideways by {too_wide}px"


def test_a_new_voter_signs_up_verifies_votes_and_changes_the_vote_on_a_phone(
    live_server: Any, phone: Any, official: Any
) -> None:
    tab = phone
    scenario = scenario_build(
        official=official,
        slug="walk",
        phase=Phase.NOMINATIONS,
        candidates=("Alice Able", "Bob Baker"),
    )
    voter_add(email=EMAIL, reason="A contributor who has no account yet")
    scenario_move(scenario.election, Phase.POLLING, actor=official)
    contest = scenario.contest

    tab.goto(f"{live_server.url}/")
    check(tab)
    assert tab.locator("head link[type='application/atom+xml']").count() >= 1

    tab.goto(f"{live_server.url}/accounts/signup/")
    check(tab)
    tab.get_by_label("Your name").fill("Nora Newcomer")
    tab.get_by_label("Email").fill(EMAIL)
    tab.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.get_by_label("Password (again)").fill(PASSWORD)
    tab.get_by_role("button", name="Sign Up").click()
    tab.wait_for_load_state()
    check(tab)

    (message,) = [m for m in mail.outbox if m.to == [EMAIL] and "confirm-email" in m.body]
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    tab.goto(live_server.url + path)
    check(tab)
    tab.get_by_role("button", name="Confirm").click()
    tab.wait_for_load_state()

    browser_sign_in(tab, live_server.url, EMAIL, PASSWORD)
    assert tab.get_by_role("link", name="Nora Newcomer").is_visible()  # the nav shows the name
    check(tab)

    tab.goto(f"{live_server.url}/vote/")
    check(tab)
    tab.get_by_role("link", name=f"Vote in {contest.name}").click()
    tab.wait_for_load_state()
    check(tab)
    tab.locator("summary", has_text="Alice Able").click()
    platform = tab.locator("details[open] .platform")
    assert "keep the lights on" in platform.inner_text()
    check(tab)  # with the platform open
    tab.get_by_role("button", name="Rank Alice Able last").click()
    tab.get_by_role("button", name="Review my ballot").click()
    tab.wait_for_load_state()
    check(tab)
    tab.get_by_role("button", name="Cast my ballot").click()
    tab.wait_for_load_state()
    code = tab.locator("#receipt-code").inner_text().strip()
    assert RECEIPT.match(code)
    check(tab)

    tab.goto(f"{live_server.url}/vote/{contest.pk}/")
    tab.get_by_label("Receipt of your current ballot").fill("AAAAA-BBBBB-CCCCC-DDDDD")
    tab.get_by_role("button", name="Rank Bob Baker last").click()
    tab.get_by_role("button", name="Review my ballot").click()
    tab.wait_for_load_state()
    assert "The receipt you gave is not right" in tab.get_by_role("alert").first.inner_text()
    check(tab)
    tab.get_by_label("Receipt of your current ballot").fill(code)  # the ranking is kept
    tab.get_by_role("button", name="Review my ballot").click()
    tab.wait_for_load_state()
    assert "Bob Baker" in tab.locator(".ranking-summary").inner_text()
    tab.get_by_role("button", name="Replace my ballot").click()
    tab.wait_for_load_state()
    new_code = tab.locator("#receipt-code").inner_text().strip()
    assert RECEIPT.match(new_code) and new_code != code
    check(tab)

    tab.goto(f"{live_server.url}/vote/turnout/")
    check(tab)
