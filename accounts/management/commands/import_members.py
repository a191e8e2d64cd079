"""manage.py import_members FILE: the Foundation membership list (CSV or JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.actions.membership import members_import
from accounts.membership import MembershipError, parse_members_list


class Command(BaseCommand):
    help = (
        "Replace the Foundation membership with FILE: CSV with the columns member_id, name, "
        "addresses, affiliation, since, or a JSON list of objects with those keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            members = parse_members_list(text, source=str(path))
        except MembershipError as error:
            raise CommandError(str(error)) from error
        report = members_import(members=members, source=str(path))
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.members} members, {report.addresses} addresses "
                f"({report.added} added, {report.removed} gone)."
            )
        )
