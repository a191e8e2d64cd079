"""Every installation signs with a key of its own: none is in the repository, `make run`
writes a random one to .env once, and links signed with any other key are refused."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse

from config.secret_key import secret_key_ensure, secret_key_in
from tests.config.test_settings import ROOT, _python

# The development key earlier versions shipped in config/settings.py: public, so anything it
# signs could be forged by anyone.
PUBLISHED_DEVELOPMENT_KEY = "stackvote-insecure-development-key-" + "x" * 32


@pytest.fixture(autouse=True)
def _no_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)


def test_a_first_run_writes_a_random_key_readable_by_its_owner_only(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    assert secret_key_ensure(env_file) is True
    key = secret_key_in(env_file)
    assert len(key) >= 50
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_the_key_is_never_overwritten(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=1\nDJANGO_SECRET_KEY=kept-as-it-is", encoding="utf-8")
    assert secret_key_ensure(env_file) is False
    assert secret_key_ensure(env_file) is False
    assert env_file.read_text(encoding="utf-8") == "DJANGO_DEBUG=1\nDJANGO_SECRET_KEY=kept-as-it-is"


def test_other_settings_in_the_file_are_kept(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("REDIS_URL=redis://127.0.0.1:6379/0", encoding="utf-8")
    assert secret_key_ensure(env_file) is True
    lines = env_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "REDIS_URL=redis://127.0.0.1:6379/0"
    assert lines[1].startswith("DJANGO_SECRET_KEY=")


def test_no_two_installations_share_a_key(tmp_path: Path) -> None:
    first, second = tmp_path / "one.env", tmp_path / "two.env"
    secret_key_ensure(first)
    secret_key_ensure(second)
    assert secret_key_in(first) != secret_key_in(second)


def test_a_key_from_the_environment_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SECRET_KEY", "set-by-the-operator")
    assert secret_key_ensure(tmp_path / ".env") is False
    assert not (tmp_path / ".env").exists()


def test_the_env_file_is_never_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=ROOT, capture_output=True, check=False
    )
    assert ignored.returncode == 0


def test_make_run_writes_the_key_before_it_starts_anything() -> None:
    plan = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    steps = [line for line in plan if "config.secret_key" in line or "manage.py" in line]
    assert "config.secret_key .env" in steps[0], steps


def test_the_settings_read_the_key_make_run_wrote(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    result = _python("-m", "config.secret_key", str(env_file), env={})
    assert "Wrote a new random DJANGO_SECRET_KEY" in result.stdout
    printed = _python(
        "-c",
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)",
        env={"DJANGO_ENV_FILE": str(env_file), "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    assert printed.stdout.strip() == secret_key_in(env_file), printed.stderr


def test_without_any_key_each_process_makes_its_own(tmp_path: Path) -> None:
    """No key in the repository: a process started with none (no .env, nothing set) signs
    with a random key of its own, never with a key anyone could read."""
    probe = "from config import settings; print(settings.SECRET_KEY)"
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    keys = {
        _python("-c", probe, env={"DJANGO_ENV_FILE": str(empty)}).stdout.strip() for _ in range(2)
    }
    assert len(keys) == 2 and all(len(key) >= 50 for key in keys)
    assert PUBLISHED_DEVELOPMENT_KEY not in keys
    sources = [ROOT / "config" / "settings.py", ROOT / ".env.example"]
    assert not any(PUBLISHED_DEVELOPMENT_KEY in path.read_text() for path in sources)


def _confirmation_key(address: EmailAddress, secret: str) -> str:
    # allauth's e-mail confirmation key: the address's id, signed (EmailConfirmationHMAC).
    return signing.dumps(address.pk, key=secret, salt="account")


@pytest.mark.django_db
def test_a_confirmation_link_signed_with_the_published_key_is_refused(
    client: Client, make_user: Any
) -> None:
    """Forging a link with the key a repository once published does not verify an address the
    forger does not own (and so cannot take over that person's eligibility)."""
    user = make_user("owner@example.org")
    victim = EmailAddress.objects.create(
        user=user, email="someone.else@example.org", verified=False, primary=False
    )
    assert settings.SECRET_KEY != PUBLISHED_DEVELOPMENT_KEY
    forged = _confirmation_key(victim, PUBLISHED_DEVELOPMENT_KEY)
    url = reverse("account_confirm_email", kwargs={"key": forged})
    client.get(url)
    client.post(url)
    victim.refresh_from_db()
    assert victim.verified is False

    # The same link signed with this installation's own key does verify it.
    genuine = _confirmation_key(victim, settings.SECRET_KEY)
    client.post(reverse("account_confirm_email", kwargs={"key": genuine}))
    victim.refresh_from_db()
    assert victim.verified is True


def test_the_test_process_itself_has_no_published_key() -> None:
    assert settings.SECRET_KEY != PUBLISHED_DEVELOPMENT_KEY
    assert os.environ.get("DJANGO_SECRET_KEY", "") != PUBLISHED_DEVELOPMENT_KEY


def test_production_refuses_the_placeholder_key_of_the_example_file() -> None:
    result = _python(
        "manage.py",
        "check",
        env={
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "change-me-to-a-long-random-string",
            "DJANGO_ALLOWED_HOSTS": "vote.example.org",
        },
    )
    assert result.returncode != 0
    assert "placeholder from .env.example" in result.stderr
