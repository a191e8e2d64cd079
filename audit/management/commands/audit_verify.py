"""``manage.py audit_verify [--head HASH]``: check the whole audit chain, and an earlier head.

Exit status 0 when every entry holds and the head (if given) is in the chain; 1 when the chain
is broken or the head is missing; 2 when the head given is not an entry hash at all.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.chain import is_entry_hash
from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Verify the hash-chained audit log: every entry's hash and its link to the entry "
        "before it. With --head, also check that a head published earlier (on an election's "
        "page, in a result, its JSON or a feed) is still in the chain: a rewritten history "
        "would not contain it. Exits non-zero on any problem, naming the first broken entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            metavar="HASH",
            help="an audit head published earlier: the 64 hexadecimal digits of an entry hash",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        head = options["head"]
        if head is not None:
            head = head.strip().lower()
            if not is_entry_hash(head):
                raise CommandError(
                    f"--head {options['head']!r} is not an audit head: give the 64 hexadecimal "
                    "digits of an entry hash, as published.",
                    returncode=2,
                )
        verdict = audit_chain_verify(head=head)
        problems: list[str] = []
        if verdict.first_break is not None:
            broken = verdict.first_break
            problems.append(
                f"The audit chain is broken: {verdict.break_count} of {verdict.entry_count} "
                f"entries fail. The first is entry {broken.position} (id {broken.entry_id}, "
                f"{broken.action} on {broken.target}): {broken.problem}."
            )
        if head is not None and verdict.published_head_position is None:
            problems.append(
                f"The head {head} is not in the audit chain: the history it vouched for was "
                "rewritten or removed since it was published (or it comes from another "
                "installation)."
            )
        if problems:
            raise CommandError(" ".join(problems), returncode=1)
        if verdict.head is None:
            self.stdout.write("The audit log is empty: there is no chain to check.")
            return
        self.stdout.write(
            f"The audit chain is intact: {verdict.entry_count} entries, head "
            f"{verdict.head.entry_hash} (entry {verdict.head.position})."
        )
        if head is not None:
            self.stdout.write(
                f"The head {head} is entry {verdict.published_head_position}: every entry up to "
                "it is unchanged."
            )
