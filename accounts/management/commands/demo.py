from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, load_people
from elections.demo import load_elections
from elections.results.demo import load_results


class Command(BaseCommand):
    help = "Load the demo data (people, governance, elections). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "The demo creates accounts with a published password; it runs only with DEBUG on."
            )
        logins = load_people()
        elections = load_elections()
        load_results()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in logins:
            self.stdout.write(f"  {email:<28} {role}")
        for name, phase in elections:
            self.stdout.write(f"  election: {name} ({phase})")
