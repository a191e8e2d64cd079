"""A contributor with no account follows the invitation and votes, in Chromium: one page
(a name and a button) between the mail and the ballot; no sign-up, no password, no separate
verification mail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from accounts.actions import voter_add
from accounts.models import User
from elections.models import Phase
from elections.results.scenarios import scenario_build
from elections.scenarios import scenario_move
from tests.browser.test_new_voter_walk import RECEIPT, check, phone  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "first.timer@example.org"


def test_a_contributor_without_an_account_votes_from_the_invitation_in_one_step(
    live_server: Any,
    phone: Any,  # noqa: F811 - the fixture imported above
    official: Any,
    settings: Any,
) -> None:
    settings.STACKVOTE_SITE_URL = live_server.url
    tab = phone
    scenario = scenario_build(
        official=official,
        slug="invited",
        phase=Phase.NOMINATIONS,
        candidates=("Alice Able", "Bob Baker"),
    )
    voter_add(email=EMAIL, reason="A contributor who has no account yet")
    mail.outbox.clear()
    scenario_move(scenario.election, Phase.POLLING, actor=official)
    (message,) = [m for m in mail.outbox if m.to == [EMAIL]]
    assert not User.objects.filter(email=EMAIL).exists()
    link = re.search(r"(https?://\S+/invitation/\S+/)", message.body).group(1)

    tab.goto(link)
    check(tab)
    tab.get_by_label("Your name").fill("Fiona First")
    tab.get_by_role("button", name="Confirm and go to my ballot").click()
    tab.wait_for_load_state()
    assert tab.url.endswith(f"/vote/{scenario.contest.pk}/")
    check(tab)
    tab.get_by_role("button", name="Rank Alice Able last").click()
    tab.get_by_role("button", name="Review my ballot").click()
    tab.wait_for_load_state()
    tab.get_by_role("button", name="Cast my ballot").click()
    tab.wait_for_load_state()
    assert RECEIPT.match(tab.locator("#receipt-code").inner_text().strip())
    assert User.objects.get(email=EMAIL).full_name == "Fiona First"
    # The link is spent: following it again signs nobody in.
    tab.context.clear_cookies()
    tab.goto(link)
    assert "used already" in tab.content()
