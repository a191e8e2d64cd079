"""The results pages in Chromium: no serious accessibility findings, and the pairwise table
readable without colour."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_results_pages_have_no_serious_accessibility_findings(
    live_server: Any, page: Any, axe: Any
) -> None:
    from accounts.demo import load_people
    from elections.results.demo import DEMO_SLUG, load_results

    load_people()
    load_results()
    for path in ("/results/", f"/results/{DEMO_SLUG}/", f"/results/{DEMO_SLUG}/tc/"):
        page.goto(live_server.url + path)
        assert axe(page) == [], path
    # Without colour (forced greyscale) every comparison still says who wins in words.
    page.emulate_media(forced_colors="active")
    cells = page.locator(
        "table.pairwise td.cell-win, table.pairwise td.cell-loss, table.pairwise td.cell-tie"
    )
    assert cells.count() == 12
    for index in range(cells.count()):
        text = cells.nth(index).inner_text()
        assert "beats by" in text or "loses by" in text or "tied" in text
