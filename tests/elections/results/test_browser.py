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


def test_a_teams_history_page_has_no_serious_accessibility_findings(
    live_server: Any, page: Any, axe: Any
) -> None:
    """Nova across cycles: train's poll held elsewhere (with the archive's turnout) and
    ocata's, known from the archive only."""
    import io
    from pathlib import Path

    from django.core.management import call_command

    from elections.models import Election

    data = Path(__file__).resolve().parents[3] / "data/openstack/election"
    for release in ("ocata", "train"):
        call_command(
            "import_results",
            str(data / "results" / release),
            "--configurations",
            str(data / "configurations"),
            stdout=io.StringIO(),
        )
    train = Election.objects.get(release="train")
    for path in ("/results/teams/nova/history/", f"/results/{train.slug}/"):
        page.goto(live_server.url + path)
        assert axe(page) == [], path
    page.goto(live_server.url + "/results/teams/nova/history/")
    assert page.get_by_role("row").filter(has_text="ocata").count() == 1
