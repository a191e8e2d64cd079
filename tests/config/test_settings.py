from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-real-secret-of-sufficient-length-and-entropy-9f8e7d6c5b4a3f2e1d0c",
    "DJANGO_ALLOWED_HOSTS": "vote.example.org",
}


def _python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Python in the project, with ``env`` as the only DJANGO_* and STACKVOTE_* settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STACKVOTE_"))}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _python("manage.py", *args, env=env)


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secrets(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_settings_pass_the_deployment_check() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_demo_refuses_to_run_in_production() -> None:
    result = _manage("demo", env=PRODUCTION)
    assert result.returncode != 0
    assert "only with DEBUG on" in result.stderr


def test_loading_the_web_app_opens_no_connection_for_workers_to_share() -> None:
    """gunicorn loads the app once and forks its workers from it (``preload_app``): a
    database or Redis connection opened while loading would be shared by every worker."""
    probe = (
        "import gc, socket, config.wsgi\n"
        "from django.db import connections\n"
        "assert all(c.connection is None for c in connections.all()), 'database'\n"
        "open_sockets = [o for o in gc.get_objects() if isinstance(o, socket.socket)"
        " and o.fileno() != -1]\n"
        "assert not open_sockets, open_sockets\n"
        "print('clean')\n"
    )
    loaded = _python("-c", probe, env={**PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings"})
    assert loaded.stdout.strip() == "clean", loaded.stderr


def test_blank_database_and_mail_urls_mean_the_embedded_default() -> None:
    """A blank line in .env (``DATABASE_URL=``) starts the embedded default, not a crash."""
    probe = (
        "import django; django.setup(); from django.conf import settings as s;"
        " print(s.DATABASES['default']['ENGINE'], s.EMAIL_BACKEND)"
    )
    result = _python(
        "-c",
        probe,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": "", "EMAIL_URL": ""},
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.mail.backends.console.EmailBackend",
    ], result.stderr
