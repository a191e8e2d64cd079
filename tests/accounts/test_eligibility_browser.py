"""The "Am I eligible?" page in Chromium: readable by keyboard and screen reader (axe-core)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.actions import commits_ingest
from tests.conftest import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_eligibility_page_has_no_serious_accessibility_findings(
    live_server: Any,
    page: Any,
    axe: Any,
    make_user: Any,
    governance: None,
    make_repo: Any,
    settings: Any,
) -> None:
    settings.STACKVOTE_ELIGIBILITY_START = "2025-09-12"
    settings.STACKVOTE_ELIGIBILITY_END = "2026-08-19"
    nova = make_repo("openstack/nova")
    nova.commit(author=("Jane", "jane@example.org"), committed="2026-01-05T00:00:00Z")
    nova.commit(author=("Jane", "jane.old@example.net"), committed="2026-02-05T00:00:00Z")
    commits_ingest(repositories=["openstack/nova"])
    make_user(
        "jane@example.org", password="eligible and verified 9", unverified=("jane.old@example.net",)
    )

    browser_sign_in(page, live_server.url, "jane@example.org", "eligible and verified 9")
    page.goto(live_server.url + "/eligibility/")
    assert page.get_by_role("heading", name="Am I eligible?").is_visible()
    assert "On the roll" in page.content()
    assert "jane.old@example.net" in page.content()  # listed, to be verified
    assert axe(page) == []
