"""Voting in a real browser (Debian's Chromium through Playwright) against the live server.

The main flow runs with the site's Content-Security-Policy enforced, so the enhancement must
work with no inline script or style, exactly as voters get it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from elections.voting.models import VoterRecord
from elections.voting.receipts import receipt_hash
from tests.conftest import browser_sign_in

from .box import only_ballot
from .conftest import PASSWORD, option_keys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECEIPT = re.compile(r"^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$")


@pytest.fixture
def strict_tab(chromium: Any) -> Iterator[Any]:
    """A tab that enforces the site's CSP and records every console error."""
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.console_errors = []  # type: ignore[attr-defined]

    def record(message: Any) -> None:
        # The site has no favicon; the browser's request for one is not the ballot's concern.
        if message.type == "error" and "favicon" not in message.location.get("url", ""):
            tab.console_errors.append(message.text)

    tab.on("console", record)
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    yield tab
    context.close()


def press(tab: Any, name: str, key: str = "Enter") -> None:
    """Focus the button with this accessible name and press a key, as a keyboard user does."""
    tab.get_by_role("button", name=name, exact=True).focus()
    tab.keyboard.press(key)


def focused_name(tab: Any) -> str:
    return tab.evaluate("document.activeElement.getAttribute('aria-label')")


def test_voter_ranks_by_keyboard_with_a_tie_casts_and_changes_with_the_receipt(
    live_server: Any, strict_tab: Any, make_poll: Any, elector: Any
) -> None:
    tab = strict_tab
    contest = make_poll(electors=[elector])
    keys = option_keys(contest)
    browser_sign_in(tab, live_server.url, elector.email, PASSWORD)

    tab.goto(f"{live_server.url}/vote/")
    tab.get_by_role("link", name=f"Vote in {contest.name}").click()
    tab.wait_for_load_state()
    assert tab.locator("#ballot-plain").is_hidden()  # enhanced: the plain selects are hidden
    preview = tab.locator(".ranking-preview")
    assert preview.get_attribute("aria-live") == "polite"
    assert "nobody ranked yet" in preview.inner_text()

    # Carol, then Ada; Ada moves up; Brian ties with Carol; Dennis stays unranked.
    press(tab, "Rank Carol Shaw last")
    assert focused_name(tab) == "Move Carol Shaw up"  # focus follows the candidate
    press(tab, "Rank Ada Lovelace last", key="Space")
    press(tab, "Move Ada Lovelace up")
    assert focused_name(tab) == "Move Ada Lovelace up"
    assert tab.get_by_role("status").filter(has_text="Ada Lovelace: rank 1").count() == 1
    press(tab, "Rank Brian Kernighan last")
    press(tab, "Tie Brian Kernighan with the option above")
    status = tab.locator(".ranker [role=status]").inner_text()
    assert status == "Brian Kernighan: rank 2, tied with Carol Shaw."
    assert re.fullmatch(
        r"Your ranking: 1\. Ada Lovelace, 2\. (Brian Kernighan = Carol Shaw|Carol Shaw = "
        r"Brian Kernighan); unranked: Dennis Ritchie\.",
        preview.inner_text(),
    )
    selects = tab.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('.ballot-row select')]"
        ".map(s => [s.name, s.value]))"
    )
    assert selects == {
        f"rank-{keys['Ada Lovelace']}": "1",
        f"rank-{keys['Brian Kernighan']}": "2",
        f"rank-{keys['Carol Shaw']}": "2",
        f"rank-{keys['Dennis Ritchie']}": "",
    }

    press(tab, "Review my ballot")
    tab.wait_for_url(f"**/vote/{contest.pk}/")
    assert re.search(
        r"You ranked: 1\. Ada Lovelace, 2\. (Brian Kernighan = Carol Shaw|Carol Shaw = Brian "
        r"Kernighan); unranked: Dennis Ritchie",
        tab.locator(".ranking-summary").inner_text(),
    )
    press(tab, "Cast my ballot")
    tab.wait_for_load_state()
    code = tab.locator("#receipt-code").inner_text().strip()
    assert RECEIPT.match(code)
    assert tab.get_by_role("button", name="Copy receipt").is_visible()
    assert tab.get_by_role("button", name="Print receipt").is_visible()
    ballot = only_ballot(contest)
    assert ballot.receipt_hash == receipt_hash(code)
    assert ballot.ranks == {
        keys["Ada Lovelace"]: 1,
        keys["Brian Kernighan"]: 2,
        keys["Carol Shaw"]: 2,
    }

    # Change the vote with the receipt: only Dennis, first.
    tab.goto(f"{live_server.url}/vote/{contest.pk}/")
    tab.get_by_label("Receipt of your current ballot").fill(code.lower().replace("-", " "))
    # The server cannot know the old ranking (it has no idea whose ballot is whose).
    assert "nobody ranked yet" in preview.inner_text()
    press(tab, "Rank Dennis Ritchie last")
    assert preview.inner_text().startswith("Your ranking: 1. Dennis Ritchie; unranked:")
    press(tab, "Review my ballot")
    tab.wait_for_load_state()
    press(tab, "Replace my ballot")
    tab.wait_for_load_state()
    new_code = tab.locator("#receipt-code").inner_text().strip()
    assert RECEIPT.match(new_code) and new_code != code
    ballot = only_ballot(contest)
    assert ballot.receipt_hash == receipt_hash(new_code)
    assert ballot.ranks == {keys["Dennis Ritchie"]: 1}
    assert VoterRecord.objects.filter(contest=contest).count() == 1
    assert tab.console_errors == []  # type: ignore[attr-defined]


def test_dragging_with_a_pointer_ranks_and_ties(
    live_server: Any, strict_tab: Any, make_poll: Any, elector: Any
) -> None:
    tab = strict_tab
    contest = make_poll(electors=[elector])
    browser_sign_in(tab, live_server.url, elector.email, PASSWORD)
    tab.goto(f"{live_server.url}/vote/{contest.pk}/")
    press(tab, "Rank Ada Lovelace last")

    def drag(name: str, onto: Any, y_share: float) -> None:
        handle = tab.locator(".ranker-item", has_text=name).locator(".ranker-handle")
        start = handle.bounding_box()
        tab.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        tab.mouse.down()
        box = onto().bounding_box()
        tab.mouse.move(box["x"] + 40, box["y"] + box["height"] * y_share, steps=8)
        tab.mouse.up()

    ada = lambda: tab.locator(".ranker-tiers .ranker-item", has_text="Ada Lovelace")  # noqa: E731
    drag("Carol Shaw", ada, 0.5)  # onto the middle of Ada: tie
    drag("Brian Kernighan", ada, 0.1)  # onto Ada's top edge: above her
    text = tab.locator(".ranking-preview").inner_text()
    assert re.fullmatch(
        r"Your ranking: 1\. Brian Kernighan, 2\. (Ada Lovelace = Carol Shaw|Carol Shaw = Ada "
        r"Lovelace); unranked: Dennis Ritchie\.",
        text,
    ), text
    assert tab.console_errors == []  # type: ignore[attr-defined]


def test_ballot_pages_have_no_serious_accessibility_findings(
    live_server: Any, page: Any, axe: Any, make_poll: Any, elector: Any
) -> None:
    contest = make_poll(electors=[elector])
    browser_sign_in(page, live_server.url, elector.email, PASSWORD)
    pages = ("/vote/", f"/vote/{contest.pk}/", "/vote/turnout/", f"/vote/{contest.pk}/receipt/")
    for path in pages:
        page.goto(live_server.url + path)
        assert axe(page) == [], path
    page.goto(f"{live_server.url}/vote/{contest.pk}/")
    page.get_by_role("button", name="Use the plain form instead").click()
    assert axe(page) == []


def test_ballot_works_on_a_phone_with_touch(
    live_server: Any, chromium: Any, make_poll: Any, elector: Any
) -> None:
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    tab = context.new_page()
    try:
        contest = make_poll(electors=[elector])
        browser_sign_in(tab, live_server.url, elector.email, PASSWORD)
        tab.goto(f"{live_server.url}/vote/{contest.pk}/")
        tab.get_by_role("button", name="Rank Dennis Ritchie last").tap()
        tab.get_by_role("button", name="Rank Ada Lovelace last").tap()
        tab.get_by_role("button", name="Tie Ada Lovelace with the option above").tap()
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert re.match(
            r"Your ranking: 1\. (Ada Lovelace = Dennis Ritchie|Dennis Ritchie = Ada Lovelace);",
            tab.locator(".ranking-preview").inner_text(),
        )
    finally:
        context.close()


def test_voting_works_with_javascript_off(
    live_server: Any, chromium: Any, make_poll: Any, elector: Any
) -> None:
    context = chromium.new_context(java_script_enabled=False)
    tab = context.new_page()
    try:
        contest = make_poll(electors=[elector])
        browser_sign_in(tab, live_server.url, elector.email, PASSWORD)
        tab.goto(f"{live_server.url}/vote/{contest.pk}/")
        assert tab.locator(".ranker").count() == 0
        tab.get_by_label("Brian Kernighan").select_option("1")
        tab.get_by_label("Ada Lovelace").select_option("2")
        tab.get_by_label("Dennis Ritchie").select_option("2")
        tab.get_by_role("button", name="Review my ballot").click()
        summary = tab.locator(".ranking-summary").inner_text()
        assert re.search(r"1\. Brian Kernighan, 2\. .+ = .+; unranked: Carol Shaw", summary)
        tab.get_by_role("button", name="Cast my ballot").click()
        code = tab.locator("#receipt-code").inner_text().strip()
        assert RECEIPT.match(code)
        assert tab.locator("#receipt-copy").is_hidden()  # copying needs the script
        assert only_ballot(contest).receipt_hash == receipt_hash(code)
    finally:
        context.close()
