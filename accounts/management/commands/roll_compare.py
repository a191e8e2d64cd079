"""manage.py roll_compare A B [--preserve-case] [--check]: two rolls side by side, each a
file (one address per line, or ``manage.py roll --json``) or a frozen roll (``roll:12``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Roll
from accounts.rollcompare import RollFileError, comparison_lines, read_roll, rolls_compare


def _roll(reference: str) -> tuple[str, list[str]]:
    """(label, addresses) of a roll named on the command line."""
    if reference.startswith("roll:"):
        number = reference.removeprefix("roll:")
        roll = Roll.objects.filter(pk=int(number)).first() if number.isdigit() else None
        if roll is None:
            raise CommandError(f"{reference}: no frozen roll #{number}.")
        label = f"roll #{roll.pk} ({roll.scope}, {roll.start:%Y-%m-%d}..{roll.end:%Y-%m-%d})"
        return label, list(roll.entries.values_list("email", flat=True))
    path = Path(reference)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"Cannot read {reference}: {error}") from error
    try:
        return reference, read_roll(text, source=reference)
    except RollFileError as error:
        raise CommandError(str(error)) from error


class Command(BaseCommand):
    help = (
        "Compare two rolls, as two officials do during a transition: for each, the number "
        "of addresses and the SHA-256 of the sorted addresses (one per line; what "
        "`LC_ALL=C sort -u roll.txt | sha256sum` prints), then the addresses only one of "
        "them holds. A roll is a file (one address per line, as `manage.py roll` and "
        "openstack/election's owners tool write them, or `manage.py roll --json`) or a "
        "frozen roll, roll:ID. Addresses are compared lower-cased unless --preserve-case."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("first", metavar="A", help="a roll file or roll:ID")
        parser.add_argument("second", metavar="B", help="a roll file or roll:ID")
        parser.add_argument(
            "--preserve-case",
            action="store_true",
            help="compare the addresses as written (J.Doe@example.org is not j.doe@example.org)",
        )
        parser.add_argument(
            "--check", action="store_true", help="exit with an error when the rolls differ"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        comparison = rolls_compare(
            _roll(options["first"]),
            _roll(options["second"]),
            preserve_case=options["preserve_case"],
        )
        for line in comparison_lines(comparison):
            self.stdout.write(line)
        if options["check"] and not comparison.same:
            raise CommandError("The rolls differ.")
