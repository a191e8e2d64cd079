"""The "Am I eligible?" page, through the Django test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.actions import commits_ingest, voter_exclude

pytestmark = pytest.mark.django_db

URL = "/eligibility/"


@pytest.fixture
def contributions(governance: None, make_repo: Any, settings: Any) -> None:
    settings.STACKVOTE_ELIGIBILITY_START = "2025-09-12"
    settings.STACKVOTE_ELIGIBILITY_END = "2026-08-19"
    nova = make_repo("openstack/nova")
    for day in range(10, 24):
        nova.commit(author=("J. Doe", "j.doe@example.org"), committed=f"2026-01-{day}T00:00:00Z")
    nova.commit(author=("Jane", "jane@example.org"), committed="2025-10-01T00:00:00Z")
    nova.commit(author=("Jane", "jane@example.org"), committed="2026-03-05T00:00:00Z")
    nova.commit(author=("Secret", "secret@example.org"), committed="2026-02-01T00:00:00Z")
    glance = make_repo("openstack/glance")
    glance.commit(author=("Jane", "jane@example.org"), committed="2026-04-01T00:00:00Z")
    commits_ingest(repositories=["openstack/nova", "openstack/glance"])


def test_page_needs_a_signed_in_user(client: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert reverse("eligibility") == URL


def test_page_says_why_a_user_is_on_each_roll(
    client: Any, make_user: Any, contributions: None
) -> None:
    client.force_login(make_user("jane@example.org"))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Technical Committee (all official repositories)" in page
    assert page.count("On the roll") == 3  # TC, glance, nova
    assert "3 contributions from your verified addresses" in page
    assert "first on 2025-10-01, last on 2026-04-01" in page
    assert "<td>openstack/nova</td><td>2</td><td>2025-10-01</td><td>2026-03-05</td>" in page
    assert "<td>openstack/glance</td><td>1</td>" in page


def test_page_asks_to_verify_an_address_and_says_nothing_of_its_contributions(
    client: Any, make_user: Any, contributions: None
) -> None:
    """Anyone can add anyone's address unverified: the page must not become an oracle."""
    user = make_user("new@example.org", unverified=("j.doe@example.org",))
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert "Not on the roll" in page
    assert "On the roll</span>" not in page
    assert "<strong>j.doe@example.org</strong>: verify it to see whether it counts" in page
    assert "openstack/nova" not in page and "Nova" not in page and "14 contribution" not in page
    assert "No team's repositories have contributions from your addresses" in page


def test_nobody_sees_anyone_elses_details(client: Any, make_user: Any, contributions: None) -> None:
    client.force_login(make_user("jane@example.org"))
    page = client.get(URL).content.decode()
    assert "secret@example.org" not in page
    assert "j.doe@example.org" not in page
    assert "?email=" not in page
    # The page takes no parameters: asking for someone else shows your own standing.
    assert (
        "secret@example.org" not in client.get(URL + "?email=secret@example.org").content.decode()
    )


def test_exclusion_is_shown_to_the_excluded_user(
    client: Any, make_user: Any, contributions: None
) -> None:
    voter_exclude(email="jane@example.org", reason="not a Foundation member")
    client.force_login(make_user("jane@example.org"))
    page = client.get(URL).content.decode()
    assert "Excluded" in page and "On the roll" not in page


def test_a_user_without_contributions_is_told_what_to_do(
    client: Any, make_user: Any, contributions: None
) -> None:
    client.force_login(make_user("nobody@example.org"))
    page = client.get(URL).content.decode()
    assert "No team's repositories have contributions from your addresses" in page


def test_page_query_count_does_not_grow_with_contributions(
    client: Any,
    make_user: Any,
    contributions: None,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(make_user("jane@example.org", unverified=("j.doe@example.org",)))
    with django_assert_max_num_queries(14):
        assert client.get(URL).status_code == 200
