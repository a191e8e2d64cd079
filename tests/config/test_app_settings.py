"""Every stackvote setting has one default (its app's conf.py), can be set from the
environment, and is documented in README."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from tests.config.test_settings import _python

ROOT = Path(__file__).resolve().parents[2]
CONF_FILES = (
    "accounts/conf.py",
    "elections/conf.py",
    "elections/results/conf.py",
    "elections/voting/conf.py",
    "config/celery.py",
)


def _read_settings() -> set[str]:
    names: set[str] = set()
    for path in CONF_FILES:
        names |= set(re.findall(r'"(STACKVOTE_[A-Z_]+)"', (ROOT / path).read_text()))
    return names


def test_every_setting_can_come_from_the_environment_and_is_in_the_readme() -> None:
    names = _read_settings()
    assert len(names) >= 17
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert names <= set(settings.STACKVOTE_ENVIRONMENT), names - set(settings.STACKVOTE_ENVIRONMENT)
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"not in README: {missing}"


def test_settings_py_writes_no_default_of_its_own() -> None:
    """A stackvote setting exists in settings only when the environment gives it."""
    probe = (
        "from django.conf import settings\n"
        "print(sorted(n for n in dir(settings) if n.startswith('STACKVOTE_')))"
    )
    result = _python("-c", probe, env={"DJANGO_SETTINGS_MODULE": "config.settings"})
    assert result.stdout.strip() == "['STACKVOTE_ENVIRONMENT']", result.stderr


def test_environment_values_reach_the_apps() -> None:
    probe = (
        "import django; django.setup()\n"
        "from elections import conf; from elections.results import conf as rc\n"
        "from accounts import conf as ac; from config.celery import app\n"
        "print(conf.scheduler_interval(), rc.results_auto_publish(), sorted(ac.bot_emails()),"
        " app.conf.beat_schedule['elections-advance']['schedule'])"
    )
    result = _python(
        "-c",
        probe,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "STACKVOTE_SCHEDULER_INTERVAL": "60",
            "STACKVOTE_RESULTS_AUTO_PUBLISH": "1",
            "STACKVOTE_BOT_EMAILS": "Bot@Example.org,ci@example.org",
        },
    )
    assert result.stdout.split("\n")[-2] == "60 True ['bot@example.org', 'ci@example.org'] 60", (
        result.stdout + result.stderr
    )
