"""Demo elections on the real OpenStack governance teams, for ``python manage.py demo``.

Builds, through the real actions: the governance teams (projects.yaml and friends), a few
merged changes by the demo people (a Gerrit export fed to the Gerrit ingest), one election
in polling (a Nova PTL poll, Swift's PTL elected by acclamation, and a TC poll) and one in
nominations (Cinder's PTL with candidacies awaiting review, and a community vote on a
release name). Dates are set around "now" so every page has something live to show.
Running it again changes nothing.
"""

from __future__ import annotations

import datetime
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.actions import gerrit_ingest, governance_import
from accounts.models import Contribution, Team, User
from elections import actions
from elections.models import Contest, ContestKind, Election, Phase
from elections.scenarios import scenario_move, scenario_stand

GOVERNANCE_DIR = Path(settings.BASE_DIR) / "data" / "openstack"
GOVERNANCE_FILES = (
    "projects.yaml",
    "technical-committee-repos.yaml",
    "sigs-repos.yaml",
    "legacy.yaml",
)
OFFICIAL_EMAIL = "official@example.org"
POLLING_SLUG = "demo-2027-1"
NOMINATIONS_SLUG = "demo-2027-2"


@dataclass(frozen=True)
class DemoChange:
    """One merged change in the demo Gerrit export."""

    project: str
    name: str
    email: str


# Who contributed where (addresses of the demo people in accounts/demo.py). Alice commits
# with her work address; Carol's Nova work is under an address she has not verified, so it
# does not make her a Nova voter until she does.
DEMO_CHANGES: tuple[DemoChange, ...] = (
    DemoChange("openstack/nova", "Alice Contributor", "alice@work.example.com"),
    DemoChange("openstack/nova", "Bob Reviewer", "bob@example.org"),
    DemoChange("openstack/nova", "Carol Core", "carol@old.example.net"),
    DemoChange("openstack/nova", "Dave Docs", "dave@example.org"),
    DemoChange("openstack/swift", "Carol Core", "carol@example.org"),
    DemoChange("openstack/swift", "Dave Docs", "dave@example.org"),
    DemoChange("openstack/cinder", "Dave Docs", "dave@example.org"),
    DemoChange("openstack/cinder", "Erin Newcomer", "erin@example.org"),
    DemoChange("openstack/cinder", "Bob Reviewer", "bob@example.org"),
)
_DEMO_CHANGE_BASE = 9_000_000

PLATFORMS: dict[str, str] = {
    "alice": "## Why I am standing\n\nI have reviewed **Nova** changes for three cycles.\n\n"
    "- Faster reviews for newcomers\n- A shorter bug backlog\n",
    "bob": "## Priorities\n\n1. Stability of the scheduler\n2. Mentoring new cores\n\n"
    "More on [my blog](https://example.org/bob).",
    "carol": "Swift needs steady hands: I will keep the release cadence.",
    "dave": "Documentation is a feature. I will make every project's docs *first class*.",
    "erin": "A newcomer's view on the TC: lower the barrier to a first contribution.",
}


def _load_governance() -> None:

    if Team.objects.filter(slug="nova").exists():
        return
    governance_import(paths=[GOVERNANCE_DIR / name for name in GOVERNANCE_FILES])


def _load_contributions(when: datetime.datetime) -> None:
    """Feed a small Gerrit export (one merged change per line) to the Gerrit ingest."""

    if Contribution.objects.filter(
        email__in={c.email for c in DEMO_CHANGES},
        repository__name__in={c.project for c in DEMO_CHANGES},
    ).exists():
        return  # loaded (the demo people also contribute to the past election's team)
    epoch = int(when.timestamp())
    lines = []
    for number, change in enumerate(DEMO_CHANGES, start=_DEMO_CHANGE_BASE):
        person = {"name": change.name, "email": change.email}
        lines.append(
            json.dumps(
                {
                    "project": change.project,
                    "number": number,
                    "status": "MERGED",
                    "lastUpdated": epoch,
                    "owner": person,
                    "patchSets": [{"number": 1, "revision": f"{number:040x}", "uploader": person}],
                }
            )
        )
    with tempfile.TemporaryDirectory() as directory:
        export = Path(directory) / "demo-gerrit.jsonl"
        export.write_text("\n".join(lines) + "\n", encoding="utf-8")
        gerrit_ingest(path=export)


def _window(now: datetime.datetime) -> dict[str, datetime.date]:
    return {
        "window_start": (now - datetime.timedelta(days=365)).date(),
        "window_end": (now - datetime.timedelta(days=1)).date(),
    }


def _stand(contest: object, email: str, *, approve: bool | None, official: User) -> None:
    name = email.split("@", 1)[0]
    scenario_stand(
        contest,
        User.objects.get(email=email),
        reviewer=official,
        approve=approve,
        platform=PLATFORMS[name],
        affiliation={
            "alice": "ACME Cloud",
            "bob": "Example Corp",
            "dave": "Independent",
            "erin": "Open Infra Labs",
        }.get(name, ""),
        reason="" if approve is not False else "Please stand with your contributing address.",
    )


def _team(slug: str) -> object:

    return Team.objects.get(slug=slug)


def _ptl_contest(election: Election, official: object, slug: str) -> Contest:
    """The PTL contest of the demo team ``slug`` ("nova": "Nova PTL")."""
    return actions.contest_create(
        election=election,
        actor=official,
        kind=ContestKind.PTL,
        name=f"{slug.title()} PTL",
        slug=slug,
        team=_team(slug),
    )


def _election_in_polling(now: datetime.datetime, official: object) -> Election:
    """Nominations ran for 13 days and were closed early by hand, so the polls are open."""
    election = actions.election_create(
        actor=official,
        name="Demo 2027.1 PTL and TC elections",
        slug=POLLING_SLUG,
        description="A demo election: the polls are open. Sign in as a demo contributor to vote.",
        nominations_opens_at=now - datetime.timedelta(days=13),
        nominations_closes_at=now + datetime.timedelta(days=1),
        polling_opens_at=now + datetime.timedelta(days=1),
        polling_closes_at=now + datetime.timedelta(days=22),
        email_deadline=now - datetime.timedelta(days=14),
        **_window(now),
    )
    nova = _ptl_contest(election, official, "nova")
    swift = _ptl_contest(election, official, "swift")
    tc = actions.contest_create(
        election=election,
        actor=official,
        kind=ContestKind.TC,
        name="Technical Committee",
        slug="tc",
        seats=2,
        max_per_affiliation=1,
    )
    election = scenario_move(
        election, Phase.NOMINATIONS, actor=official, reason="Demo: nominations open."
    )
    _stand(nova, "alice@example.org", approve=True, official=official)
    _stand(nova, "bob@example.org", approve=True, official=official)
    _stand(swift, "carol@example.org", approve=True, official=official)
    for email in ("bob@example.org", "dave@example.org", "erin@example.org"):
        _stand(tc, email, approve=True, official=official)
    return scenario_move(
        election,
        Phase.POLLING,
        actor=official,
        reason="Demo: nominations closed early so that the polls are open.",
    )


def _election_in_nominations(now: datetime.datetime, official: object) -> Election:
    election = actions.election_create(
        actor=official,
        name="Demo 2027.2 PTL election and release name",
        slug=NOMINATIONS_SLUG,
        description="A demo election in nominations: contributors to Cinder may stand.",
        nominations_opens_at=now - datetime.timedelta(days=2),
        nominations_closes_at=now + datetime.timedelta(days=12),
        polling_opens_at=now + datetime.timedelta(days=19),
        polling_closes_at=now + datetime.timedelta(days=40),
        **_window(now),
    )
    cinder = _ptl_contest(election, official, "cinder")
    names = actions.contest_create(
        election=election,
        actor=official,
        kind=ContestKind.COMMUNITY,
        name="Release name for 2028.1",
        slug="release-name",
        description="Rank the names proposed for the 2028.1 release.",
    )
    for option in ("Alpaca", "Bison", "Caribou"):
        actions.option_create(contest=names, actor=official, name=option)
    election = scenario_move(
        election, Phase.NOMINATIONS, actor=official, reason="Demo: nominations open."
    )
    _stand(cinder, "dave@example.org", approve=None, official=official)
    _stand(cinder, "erin@example.org", approve=True, official=official)
    return election


@transaction.atomic
def load_elections() -> list[tuple[str, str]]:
    """Create the demo governance data, contributions and elections; return (name, phase)."""

    now = timezone.now().replace(microsecond=0)
    _load_governance()
    _load_contributions(now - datetime.timedelta(days=60))
    official = User.objects.get(email=OFFICIAL_EMAIL)
    if not Election.objects.filter(slug=POLLING_SLUG).exists():
        _election_in_polling(now, official)
    if not Election.objects.filter(slug=NOMINATIONS_SLUG).exists():
        _election_in_nominations(now, official)
    return [
        (election.name, election.get_phase_display())
        for election in Election.objects.filter(slug__in=[POLLING_SLUG, NOMINATIONS_SLUG])
    ]
