from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from accounts.demo import DEMO_PASSWORD, load_people
from elections.demo import load_elections
from elections.models import Election
from elections.results.demo import DEMO_SLUG, load_results


class Command(BaseCommand):
    help = "Load the demo data (people, governance, elections). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "The demo creates accounts with a published password; it runs only with DEBUG on."
            )
        # The demo's notification e-mails are kept in memory rather than printed, and the
        # in-process task log is quietened, so that the logins below stay readable.
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(logging.WARNING)
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                logins = load_people()
                # The past election first, so that the audit log reads in the order of events.
                past = load_results() or Election.objects.get(slug=DEMO_SLUG)
                elections = [(past.name, past.get_phase_display()), *load_elections()]
        finally:
            trace.setLevel(level)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in logins:
            self.stdout.write(f"  {email:<28} {role}")
        for name, phase in elections:
            self.stdout.write(f"  election: {name} ({phase})")
