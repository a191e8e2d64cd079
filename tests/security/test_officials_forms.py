"""The officials' own forms (admin) under strange input: adding and changing elections and
contests, moving a phase by hand, rejecting candidacies with a reason. An official may
mistype or paste anything; the answer is the form with its errors, never a 500, and a
refused form changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.builders import World
from tests.security.test_authorization import _client, _state

pytestmark = pytest.mark.django_db

NASTY = (
    "\x00",
    "9" * 5000,
    "<script>alert(1)</script>",
    "2026-13-45 25:61",
    "-1",
    "' OR 1=1 --",
    "",
)
ELECTION_FIELDS = (
    "name",
    "slug",
    "description",
    "nominations_opens_at_0",
    "nominations_opens_at_1",
    "nominations_closes_at_0",
    "nominations_closes_at_1",
    "polling_opens_at_0",
    "polling_opens_at_1",
    "polling_closes_at_0",
    "polling_closes_at_1",
    "window_start",
    "window_end",
    "email_deadline_0",
    "email_deadline_1",
    "officials",
    "auto_advance",
)
CONTEST_FIELDS = (
    "election",
    "kind",
    "name",
    "slug",
    "team",
    "seats",
    "method",
    "max_per_affiliation",
    "tie_seed",
    "description",
)


def _no_failure(client: Client, url: str, data: dict[str, Any], what: str) -> list[str]:
    before = _state()
    response = client.post(url, data)
    if response.status_code >= 500:
        return [f"{what}: {response.status_code}"]
    if response.status_code == 200 and _state() != before:
        return [f"{what}: the form was shown again but something changed"]
    return []


def test_admin_forms_answer_strange_input_with_form_errors(world: World) -> None:
    client = _client(world, "official", raise_request_exception=False)
    election = world.nominations_election
    failures: list[str] = []
    for value in NASTY:
        label = repr(value[:20])
        failures += _no_failure(
            client,
            reverse("admin:elections_election_add"),
            dict.fromkeys(ELECTION_FIELDS, value),
            f"add election {label}",
        )
        failures += _no_failure(
            client,
            reverse("admin:elections_election_change", args=[election.pk]),
            dict.fromkeys(ELECTION_FIELDS, value),
            f"change election {label}",
        )
        failures += _no_failure(
            client,
            reverse("admin:elections_contest_add"),
            dict.fromkeys(CONTEST_FIELDS, value),
            f"add contest {label}",
        )
        failures += _no_failure(
            client,
            reverse("admin:elections_election_phase", args=[election.pk]),
            {"to_phase": value, "reason": value},
            f"phase move {label}",
        )
        failures += _no_failure(
            client,
            reverse("admin:elections_candidacy_changelist"),
            {
                "action": "reject_selected",
                "_selected_action": [world.own_candidacy.pk],
                "reason": value,
                "apply": "1",
            },
            f"reject {label}",
        )
    assert not failures, "\n".join(failures)
