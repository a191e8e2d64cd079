"""Shared fixtures.

Tasks run eagerly in-process by default so that a test sees the effect of the work it
queues; tests marked ``worker`` get a real Celery worker consuming from Redis instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache

from accounts.models import User
from config import health
from config.celery import app as celery_app


@pytest.fixture(autouse=True, scope="session")
def _ballot_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Ballot box keys in a directory of the test run's own; worker processes the tests
    start inherit it through the environment."""
    from django.conf import settings

    directory = tmp_path_factory.mktemp("ballot-keys")
    previous = os.environ.get("STACKVOTE_BALLOT_KEY_DIR")
    os.environ["STACKVOTE_BALLOT_KEY_DIR"] = str(directory)
    settings.STACKVOTE_BALLOT_KEY_DIR = directory
    yield directory
    del settings.STACKVOTE_BALLOT_KEY_DIR
    if previous is None:
        del os.environ["STACKVOTE_BALLOT_KEY_DIR"]
    else:
        os.environ["STACKVOTE_BALLOT_KEY_DIR"] = previous


@pytest.fixture(autouse=True)
def _fresh_cache_and_eager_tasks(request: pytest.FixtureRequest) -> Iterator[None]:
    # Rate limits live in the cache; start every test with none spent.
    cache.clear()
    # And no anonymous /healthz answer kept from another test's outage (config/health.py).
    health.recent_answer.forget()
    eager = request.node.get_closest_marker("worker") is None
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = eager or previous[0]
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def make_user(db: Any) -> Any:
    """Create an account whose listed addresses are verified (first one primary). Staff get
    an authenticator app, as production requires of them before any officials' page
    (accounts/two_factor.py), unless ``authenticator_app=False``."""

    def make(
        email: str = "voter@example.org",
        *,
        verified: tuple[str, ...] | None = None,
        unverified: tuple[str, ...] = (),
        password: str = "correct horse battery staple",
        authenticator_app: bool | None = None,
        **extra: Any,
    ) -> User:
        user = User.objects.create_user(email=email, password=password, **extra)
        for index, address in enumerate(verified if verified is not None else (email,)):
            EmailAddress.objects.create(user=user, email=address, verified=True, primary=index == 0)
        for address in unverified:
            EmailAddress.objects.create(user=user, email=address, verified=False, primary=False)
        if authenticator_app if authenticator_app is not None else user.is_staff:
            enrol_authenticator_app(user)
        return user

    return make


@pytest.fixture
def official(make_user: Any) -> User:
    from accounts.roles import ensure_official_group

    user = make_user("official@example.org", is_staff=True)
    user.groups.add(ensure_official_group())
    return user


# --- Two-factor authentication ---------------------------------------------------------
# Staff and officials pass a second factor before any officials' page (accounts/two_factor.py).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_authenticator_app(user: Any, secret: str = TEST_TOTP_SECRET) -> list[str]:
    """Set up an authenticator app (TOTP on ``secret``) and recovery codes for ``user``, as
    allauth's set-up page does; return the unused recovery codes."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    return RecoveryCodes.activate(user).get_unused_codes()


def totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator app on ``secret`` shows now (allauth's own computation)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    # A code read in the last seconds of its period may expire before the form is sent (on a
    # loaded machine it does): wait for the next period instead, as a person would.
    remaining = period - time.time() % period
    if remaining < 4:
        time.sleep(remaining + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


@pytest.fixture(autouse=True)
def _signed_in_with_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """``client.force_login`` and ``client.login`` stand for a completed sign-in: for an
    account with an authenticator app that includes its code, recorded in the session the
    way allauth records it. Accounts without one are signed in with a password only, so
    staff and officials among them meet the set-up page like anyone would."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.http import HttpRequest
    from django.test.client import ClientMixin

    original = ClientMixin._login

    def login(self: Any, user: Any, backend: Any = None) -> None:
        original(self, user, backend)
        app = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
        if app is None:
            return
        request = HttpRequest()
        request.session = self.session
        record_authentication(request, user, "password")
        record_authentication(request, user, "mfa", id=app.pk, type=app.type)
        request.session.save()

    monkeypatch.setattr(ClientMixin, "_login", login)


def use_broker(url: str) -> None:
    """Point the Celery app at another broker, dropping connections pooled for the old one."""
    from kombu import pools

    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()  # kombu keeps pools per connection in a registry of its own


def _forget_result_backend() -> None:
    """The app keeps the result backend it first built (per thread unless thread-safe)."""
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


def _redis_url_for_worker() -> str:
    from django.conf import settings

    return settings.REDIS_URL or "redis://127.0.0.1:6379/15"


@pytest.fixture
def celery_worker(transactional_db: Any) -> Iterator[Any]:
    """A real Celery worker (in a thread) consuming from Redis.

    Tests using it must be marked ``@pytest.mark.worker``. Without a reachable Redis the test
    is skipped on a developer machine, and fails in CI (``CI`` set), where Redis must run.
    """
    import os

    import redis
    from celery.contrib.testing.worker import start_worker

    url = _redis_url_for_worker()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {url}")
    saved = {
        key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")
    }
    celery_app.conf.update(result_backend=url, task_always_eager=False)
    _forget_result_backend()
    use_broker(url)
    # Start from an empty queue: a run that was stopped part-way may have left work in it
    # (for rows of a database that is gone), which this worker would take first.
    celery_app.control.purge()
    try:
        with start_worker(
            celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=20
        ) as worker:
            yield worker
    finally:
        celery_app.conf.update(saved)
        _forget_result_backend()
        use_broker(saved["broker_url"])


# --- Browser tests -------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, shared by the browser tests of a run."""
    import os

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    # The live server runs in a thread while Playwright's event loop runs in this one.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def browser_tab(chromium: Any, width: int = 1200, height: int = 900) -> Iterator[Any]:
    """A tab in a browser context of its own (its own cookies: its own person). CSP is
    bypassed only so the tests can inject axe-core."""
    context = chromium.new_context(bypass_csp=True, viewport={"width": width, "height": height})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser tab."""
    yield from browser_tab(chromium)


def axe_findings(tab: Any) -> list[dict[str, Any]]:
    """axe-core's violations *and* "incomplete" findings (what it could not decide, such as
    contrast over an image) of serious or critical impact on the page; empty means it passes."""
    tab.add_script_tag(path=str(AXE_SCRIPT))
    report = tab.evaluate(
        "async () => { const r = await axe.run(document);"
        " return {violations: r.violations, incomplete: r.incomplete}; }"
    )
    found = [
        {
            "kind": kind,
            "id": finding["id"],
            "impact": finding["impact"],
            "help": finding["help"],
            "nodes": [node["target"] for node in finding["nodes"]],
            "why": [
                check["message"] for node in finding["nodes"][:3] for check in node.get("any", [])
            ],
        }
        for kind in ("violations", "incomplete")
        for finding in report[kind]
        if finding["impact"] in ("serious", "critical")
    ]
    return found


@pytest.fixture
def axe() -> Any:
    """Run axe-core on a page: ``axe(tab) == []`` when it has no serious or critical finding."""
    return axe_findings


def browser_sign_in(tab: Any, base_url: str, email: str, password: str) -> None:
    """Sign in through the real form, as a person would."""
    tab.goto(f"{base_url}/accounts/login/")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Sign In").click()
    tab.wait_for_load_state()


@pytest.fixture
def smtp(settings: Any) -> Iterator[Any]:
    """A real SMTP server on loopback (``tests.smtpsink``) that Django's SMTP backend sends
    to, the site's links at ``http://vote.example.test``; every accepted message is kept."""
    from tests.smtpsink import SmtpSink

    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.STACKVOTE_SITE_URL = "http://vote.example.test"
    yield sink
    sink.stop()
