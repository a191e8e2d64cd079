"""The words of an election's notices: plain text with ``$placeholders`` for the election's
facts, editable by its officials, with defaults in ``templates/elections/email/notice_<kind>
.txt`` (first line ``Subject: ...``). Pure: the standard library only.

Placeholders, not a template language: officials edit the text, and a placeholder can only
ever be one of the facts below, never an attribute of something the site holds.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from string import Template

FACTS: dict[str, str] = {
    "name": "the person's name on the roll (may be empty)",
    "address": "the address the mail goes to",
    "contest": "the contest's name",
    "contests": "every contest of the election the person is on the roll of, one a line",
    "contest_list": "the same contests in one line, for a subject: their names, or "
    "\u201cN contests\u201d when more than three",
    "election": "the election's name",
    "nominations_opens": "when nominations open (UTC)",
    "nominations_closes": "when nominations close (UTC)",
    "polling_opens": "when polling opens (UTC)",
    "polling_closes": "when polling closes (UTC)",
    "why": "why the person is on the roll (contributions, or the list they are on)",
    "roll_scope": "the roll's scope (a team, all repositories, or a list)",
    "roll_window": "the qualifying window of contributions",
    "link": "polling notices: the one-step sign-in link (or the ballot's address once it is "
    "used); nomination notices: the contest's page; results: the election's results page; the "
    "election season: the eligibility page",
    "link_expires": "when the link stops working (UTC)",
    "eligibility_link": "the page where anyone checks whether they may vote and stand",
    "ballot_page": "the contest's page, with the candidates' platforms",
    "opt_out_link": "the link that stops mail about this election",
    "site_name": "the site's name",
    "site_url": "the site's address",
}
# A notice must carry these: without the link a polling notice invites nobody; without the
# opt-out any notice breaks the promise that each mail can stop the next.
REQUIRED = ("link", "opt_out_link")
REQUIRED_ELSEWHERE = ("opt_out_link",)
POLLING_KINDS = frozenset({"polling_open", "polling_reminder"})

# The announcements to the election's list (``Election.announcement_address``): what
# OpenStack's officials post to openstack-discuss each cycle. Never the reminder: who has not
# voted is nobody's business. Their own text, with only the election's facts: a list has no
# name, no roll, no sign-in link and no opt-out of its own.
ANNOUNCED = (
    "election_season",
    "nominations_kickoff",
    "nominations_last_days",
    "nominations_end",
    "campaigning_kickoff",
    "polling_open",
    "polling_last_days",
    "results",
)
# Notices that go to the list only (OpenStack's "voting last days": each person who has not
# voted gets the reminder instead).
LIST_ONLY = frozenset({"polling_last_days"})
ANNOUNCEMENT_FACTS: dict[str, str] = {
    "election": FACTS["election"],
    "contests": "every contest of the election, one a line",
    "contest_list": "the same contests in one line: their names, or \u201cN contests\u201d",
    "nominations_opens": FACTS["nominations_opens"],
    "nominations_closes": FACTS["nominations_closes"],
    "polling_opens": FACTS["polling_opens"],
    "polling_closes": FACTS["polling_closes"],
    "link": "the election's public page (before nominations open: the eligibility page; "
    "results: the results page)",
    "eligibility_link": FACTS["eligibility_link"],
    "site_name": FACTS["site_name"],
    "site_url": FACTS["site_url"],
}
ANNOUNCEMENT_REQUIRED = ("link",)

# The notice calendar (OpenStack's officials send these each cycle,
# openstack_election/templates/*.j2). Each notice but the polling ones goes once per person
# and election, listing their contests; it is due at its date and only while the election is
# in the phases named here (a notice whose moment passed, the phase moved on by hand, is not
# sent late).
NOMINATIONS_LAST_DAYS = datetime.timedelta(days=2)
# A dated notice the scheduler finds more than this late (the scheduler was stopped, the site
# was deployed onto elections already under way, or the election was moved by hand past it)
# is not sent: it would tell people about a moment gone. The default of
# ``STACKVOTE_NOTICE_GRACE_DAYS``.
NOTICE_GRACE = datetime.timedelta(days=2)
ELECTION_NOTICES = (
    "election_season",
    "nominations_kickoff",
    "nominations_last_days",
    "nominations_end",
    "campaigning_kickoff",
    "polling_last_days",
    "results",
)
PHASES = ("draft", "nominations", "campaigning", "polling", "closed", "tallied", "published")
NOTICE_PHASES: dict[str, frozenset[str]] = {
    # Before nominations open: the election is still a draft (a scheduled one).
    "election_season": frozenset({"draft"}),
    "nominations_kickoff": frozenset({"nominations"}),
    "nominations_last_days": frozenset({"nominations"}),
    "nominations_end": frozenset({"campaigning", "polling"}),
    "campaigning_kickoff": frozenset({"campaigning"}),
    "polling_open": frozenset({"polling"}),
    "polling_last_days": frozenset({"polling"}),
    "polling_reminder": frozenset({"polling"}),
    "results": frozenset({"published"}),
}


@dataclass(frozen=True)
class ScheduledNotice:
    kind: str
    # None: on an event rather than a date (the results, before they are published).
    due_at: datetime.datetime | None
    when: str
    # The last moment it may go; after it, it is missed. None: no limit.
    until: datetime.datetime | None = None


def notice_calendar(
    *,
    nominations_opens_at: datetime.datetime,
    nominations_closes_at: datetime.datetime,
    polling_opens_at: datetime.datetime,
    polling_closes_at: datetime.datetime,
    reminder_days: int,
    season_days: int = 14,
    last_days: int = 3,
    grace: datetime.timedelta = NOTICE_GRACE,
    results_published_at: datetime.datetime | None = None,
) -> list[ScheduledNotice]:
    """The election's notices in the order they go, each with its date from the calendar and
    the last moment it may go (``grace`` after its date; the season notice until nominations
    open, whenever the election was scheduled)."""

    def dated(kind: str, due_at: datetime.datetime, when: str) -> ScheduledNotice:
        return ScheduledNotice(kind, due_at, when, due_at + grace)

    nominations_last = max(nominations_opens_at, nominations_closes_at - NOMINATIONS_LAST_DAYS)
    polling_last = max(polling_opens_at, polling_closes_at - datetime.timedelta(days=last_days))
    season = nominations_opens_at - datetime.timedelta(days=season_days)
    notices = [
        ScheduledNotice(
            "election_season",
            season,
            f"{season_days} days before nominations open",
            nominations_opens_at,
        ),
        dated("nominations_kickoff", nominations_opens_at, "when nominations open"),
        dated("nominations_last_days", nominations_last, "two days before nominations close"),
        dated("nominations_end", nominations_closes_at, "when nominations close"),
    ]
    if polling_opens_at > nominations_closes_at:
        notices.append(
            dated("campaigning_kickoff", nominations_closes_at, "when campaigning opens")
        )
    reminder = max(polling_opens_at, polling_closes_at - datetime.timedelta(days=reminder_days))
    notices += [
        dated("polling_open", polling_opens_at, "when polling opens"),
        dated(
            "polling_last_days",
            polling_last,
            f"{last_days} days before polling closes (to the announcement list only)",
        ),
        dated("polling_reminder", reminder, f"{reminder_days} days before polling closes"),
        (
            dated("results", results_published_at, "when the results are published")
            if results_published_at is not None
            else ScheduledNotice("results", None, "when the results are published")
        ),
    ]
    return notices


def notice_due(notice: ScheduledNotice, *, phase: str, now: datetime.datetime) -> bool:
    """Whether the notice is to go now: its date has come, its last moment has not passed,
    and its phase is the election's."""
    if phase not in NOTICE_PHASES[notice.kind]:
        return False
    if notice.due_at is not None and now < notice.due_at:
        return False
    return not notice_missed(notice, now=now, phase=phase)


def notice_missed(
    notice: ScheduledNotice, *, now: datetime.datetime, phase: str | None = None
) -> bool:
    """Whether the notice's moment has passed for good: its last moment is gone, or the
    election (at ``phase``) has moved beyond every phase it goes in."""
    if notice.until is not None and now >= notice.until:
        return True
    if phase is None or phase not in PHASES:
        return False
    last = max(PHASES.index(name) for name in NOTICE_PHASES[notice.kind])
    return PHASES.index(phase) > last


def contest_list(names: list[str]) -> str:
    """The person's contests in one line, for a subject: their names, or how many there are
    when more than three ("Nova PTL and Swift PTL", "5 contests")."""
    if len(names) > 3:
        return f"{len(names)} contests"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class NoticeTextError(ValueError):
    """Notice text that cannot be used; ``str()`` says what to fix."""


@dataclass(frozen=True)
class NoticeText:
    subject: str
    body: str


def notice_text_check(
    subject: str, body: str, kind: str = "polling_open", audience: str = "people"
) -> NoticeText:
    """The text, if every placeholder is a known fact and the required ones are there (the
    link and the opt-out link in a polling notice, the opt-out link in any; the link in an
    announcement to the list, which may use only the election's facts)."""
    facts = ANNOUNCEMENT_FACTS if audience == "list" else FACTS
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
        unknown = sorted(set(template.get_identifiers()) - set(facts))
        personal = [name for name in unknown if name in FACTS]
        if personal:
            raise NoticeTextError(
                f"The {part} uses "
                + ", ".join(f"${name}" for name in personal)
                + ": an announcement goes to a list, not to one person; use the election's "
                "facts only."
            )
        if unknown:
            raise NoticeTextError(
                f"Unknown placeholder{'s' if len(unknown) > 1 else ''} in the {part}: "
                + ", ".join(f"${name}" for name in unknown)
            )
        found |= set(template.get_identifiers())
    if audience == "list":
        required: tuple[str, ...] = ANNOUNCEMENT_REQUIRED
    else:
        required = REQUIRED if kind in POLLING_KINDS else REQUIRED_ELSEWHERE
    missing = [name for name in required if name not in found]
    if missing:
        raise NoticeTextError(
            "The text must carry " + " and ".join(f"${name}" for name in missing) + "."
        )
    return NoticeText(subject=subject, body=body.replace("\r\n", "\n"))


def notice_text_parse(
    default: str, kind: str = "polling_open", audience: str = "people"
) -> NoticeText:
    """A default notice file: ``Subject: ...`` on the first line, a blank line, the text."""
    first, _, body = default.partition("\n")
    if not first.startswith("Subject:"):
        raise NoticeTextError("A notice file starts with a 'Subject:' line.")
    return notice_text_check(first.removeprefix("Subject:"), body.lstrip("\n"), kind, audience)


def notice_render(text: NoticeText, facts: Mapping[str, str]) -> NoticeText:
    """The notice with the facts filled in (plain text: nothing is escaped or interpreted)."""
    return NoticeText(
        subject=" ".join(Template(text.subject).substitute(facts).split()),
        body=Template(text.body).substitute(facts),
    )
