"""The words of an election's notices: plain text with ``$placeholders`` for the election's
facts, editable by its officials, with defaults in ``templates/elections/email/notice_<kind>
.txt`` (first line ``Subject: ...``). Pure: the standard library only.

Placeholders, not a template language: officials edit the text, and a placeholder can only
ever be one of the facts below, never an attribute of something the site holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Template

FACTS: dict[str, str] = {
    "name": "the person's name on the roll (may be empty)",
    "address": "the address the mail goes to",
    "contest": "the contest's name",
    "election": "the election's name",
    "polling_opens": "when polling opens (UTC)",
    "polling_closes": "when polling closes (UTC)",
    "why": "why the person is on the roll (contributions, or the list they are on)",
    "roll_scope": "the roll's scope (a team, all repositories, or a list)",
    "roll_window": "the qualifying window of contributions",
    "link": "the one-step sign-in link (or the ballot's address once it is used)",
    "link_expires": "when the link stops working (UTC)",
    "ballot_page": "the contest's page, with the candidates' platforms",
    "opt_out_link": "the link that stops mail about this election",
    "site_name": "the site's name",
    "site_url": "the site's address",
}
# A notice must carry these: without the link it invites nobody; without the opt-out it
# breaks the promise that each mail can stop the next.
REQUIRED = ("link", "opt_out_link")


class NoticeTextError(ValueError):
    """Notice text that cannot be used; ``str()`` says what to fix."""


@dataclass(frozen=True)
class NoticeText:
    subject: str
    body: str


def notice_text_check(subject: str, body: str) -> NoticeText:
    """The text, if every placeholder is a known fact and the required ones are there."""
    subject = " ".join(subject.split())
    if not subject:
        raise NoticeTextError("The subject is empty.")
    if not body.strip():
        raise NoticeTextError("The text is empty.")
    found: set[str] = set()
    for part, text in (("subject", subject), ("text", body)):
        template = Template(text)
        if not template.is_valid():
            raise NoticeTextError(
                f"The {part} has a $ that is not a placeholder; write $$ for a dollar sign."
            )
        unknown = sorted(set(template.get_identifiers()) - set(FACTS))
        if unknown:
            raise NoticeTextError(
                f"Unknown placeholder{'s' if len(unknown) > 1 else ''} in the {part}: "
                + ", ".join(f"${name}" for name in unknown)
            )
        found |= set(template.get_identifiers())
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise NoticeTextError(
            "The text must carry " + " and ".join(f"${name}" for name in missing) + "."
        )
    return NoticeText(subject=subject, body=body.replace("\r\n", "\n"))


def notice_text_parse(default: str) -> NoticeText:
    """A default notice file: ``Subject: ...`` on the first line, a blank line, the text."""
    first, _, body = default.partition("\n")
    if not first.startswith("Subject:"):
        raise NoticeTextError("A notice file starts with a 'Subject:' line.")
    return notice_text_check(first.removeprefix("Subject:"), body.lstrip("\n"))


def notice_render(text: NoticeText, facts: Mapping[str, str]) -> NoticeText:
    """The notice with the facts filled in (plain text: nothing is escaped or interpreted)."""
    return NoticeText(
        subject=" ".join(Template(text.subject).substitute(facts).split()),
        body=Template(text.body).substitute(facts),
    )
