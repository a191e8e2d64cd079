"""Anyone can add anyone's address to their account, unverified: nothing about that address's
contributions may show until it is verified. Before the fix the eligibility page listed an
unverified address's contributions per repository ("verify victim@...: 2 contributions to
openstack/nova use it"), and the stand page said it "has contributions here": an oracle for
who contributed where."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.test import Client
from django.urls import reverse

from elections.models import Contest
from tests.elections.conftest import (  # noqa: F401 - fixtures
    make_contest,
    make_election,
    open_nominations,
)

pytestmark = pytest.mark.django_db

VICTIM = "victim@example.org"  # contributed to Nova (twice) and to Glance
NOBODY = "nobody@example.org"  # contributed nothing
EVERYWHERE = "someone-new@example.org"  # the text both addresses are replaced with


@pytest.fixture
def nova_contest(
    make_team: Any,
    contribute: Any,
    make_election: Any,  # noqa: F811 - the imported fixture
    make_contest: Any,  # noqa: F811 - the imported fixture
    open_nominations: Any,  # noqa: F811 - the imported fixture
) -> Contest:
    """A Nova PTL contest taking nominations; the victim contributed to Nova and Glance."""
    nova = make_team()
    glance = make_team(name="Glance", slug="glance")
    contribute(nova, VICTIM)
    contribute(nova, VICTIM)
    contribute(glance, VICTIM)
    election = make_election()
    contest = make_contest(election, team=nova)
    open_nominations(election)
    contest.refresh_from_db()
    return contest


def _main(response: Any) -> str:
    """The page's own content (the layout around it holds a per-response CSRF token)."""
    assert response.status_code == 200
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def _add_address(client: Client, email: str) -> None:
    """The attacker adds the address through the account page, as anyone can."""
    client.post(reverse("account_email"), {"action_add": "", "email": email})


def _pages_with(make_user: Any, contest: Contest, email: str, name: str) -> tuple[str, str]:
    """The eligibility and stand pages of a new account holding ``email`` unverified, with
    the address replaced by one placeholder so that two of them can be compared."""
    client = Client()
    client.force_login(make_user(f"{name}@example.net", full_name="Mallory"))
    _add_address(client, email)
    assert EmailAddress.objects.filter(email=email, verified=False).exists()
    stand = reverse("candidacy_submit", args=[contest.election.slug, contest.slug])
    pages = _main(client.get(reverse("eligibility"))), _main(client.get(stand))
    return tuple(page.replace(email, EVERYWHERE).replace(name, "mallory") for page in pages)


def test_an_unverified_address_of_someone_else_reveals_nothing(
    make_user: Any, nova_contest: Contest
) -> None:
    """The pages of an account holding the victim's address unverified are those of an account
    holding an address that contributed nothing: no counts, repositories or teams."""
    eligibility, stand = _pages_with(make_user, nova_contest, VICTIM, "mallory")
    control_eligibility, control_stand = _pages_with(make_user, nova_contest, NOBODY, "control")
    assert eligibility == control_eligibility
    assert stand == control_stand
    assert f"{EVERYWHERE}</strong>: verify it to see whether it counts" in eligibility
    for leak in ("openstack/", "Glance", "contributions to", "has contrib"):
        assert leak not in eligibility, leak
        assert leak not in stand, leak
    assert "is not verified: verify it on your account page to see whether it counts" in stand


def test_the_owner_sees_the_details_once_the_address_is_verified(
    client: Client, make_user: Any, nova_contest: Contest
) -> None:
    owner = make_user("victim.home@example.org", full_name="Victor")
    client.force_login(owner)
    _add_address(client, VICTIM)
    before = _main(client.get(reverse("eligibility")))
    assert "verify it to see whether it counts" in before and "openstack/nova" not in before
    # Someone else holds the address unverified too; only the confirmation link proves it.
    attacker = Client()
    attacker.force_login(make_user("mallory@example.net"))
    _add_address(attacker, VICTIM)

    address = EmailAddress.objects.get(user=owner, email=VICTIM)
    client.post(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))
    assert EmailAddress.objects.get(pk=address.pk).verified

    after = _main(client.get(reverse("eligibility")))
    assert "verify it to see whether it counts" not in after
    assert "3 contributions from your verified addresses" in after  # the TC counts both teams
    assert "<td>openstack/nova</td><td>2</td>" in after
    assert "<td>openstack/glance</td><td>1</td>" in after
    assert after.count("On the roll") == 3  # the TC, Glance and Nova
    # The attacker still learns nothing: their copy of the address is unverified.
    still = _main(attacker.get(reverse("eligibility")))
    assert "openstack/nova" not in still and "Glance" not in still
