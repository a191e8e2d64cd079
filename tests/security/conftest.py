"""Fixtures for the security tests: the builders of the elections tests, reused as they are,
and a ``world`` of three elections built through the actions (tests/builders.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import World, build_world
from tests.elections.conftest import contribute, make_team  # noqa: F401 - fixtures
from tests.elections.voting.conftest import elector, make_poll, poll  # noqa: F401 - fixtures

ROLES = ("anonymous", "elector", "non_elector", "candidate", "official")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Every test signs several people in; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(
    official: Any,
    make_user: Any,
    make_team: Any,  # noqa: F811 - the imported fixture
    contribute: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> World:
    return build_world(
        official=official,
        make_user=make_user,
        make_team=make_team,
        contribute=contribute,
        capture_on_commit=django_capture_on_commit_callbacks,
    )
