"""Calendar rules, the OpenStack configuration import and the audit log of every change."""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from audit.actions import audit_record
from audit.models import AppendOnlyError, AuditEntry
from audit.selectors import audit_chain_breaks
from elections import actions
from elections.models import ContestKind, Election, Phase
from elections.openstack import ConfigurationError, parse_configuration
from tests.audit.tampering import raw_delete, raw_update_target
from tests.elections.conftest import calendar_from

pytestmark = pytest.mark.django_db

# The repository's unchanged copy of openstack/election configuration.yaml.
CONFIGURATION = Path(__file__).resolve().parents[2] / "data/openstack/configuration.yaml"
OPENS = datetime.datetime(2030, 1, 6, 0, 0, tzinfo=datetime.UTC)


def _create(official: Any, **overrides: Any) -> Election:
    fields = calendar_from(OPENS)
    fields.update(overrides)
    return actions.election_create(actor=official, name="E", slug="e", **fields)


def test_a_calendar_with_fourteen_day_phases_is_accepted(official: Any) -> None:
    election = _create(official)
    assert election.phase == Phase.DRAFT
    assert election.has_campaigning


def test_nominations_shorter_than_the_minimum_are_refused(official: Any) -> None:
    with pytest.raises(actions.ElectionError, match="Nominations must stay open at least 14"):
        _create(official, nominations_closes_at=OPENS + datetime.timedelta(days=13, hours=23))


def test_polling_shorter_than_the_minimum_is_refused(official: Any) -> None:
    fields = calendar_from(OPENS)
    with pytest.raises(actions.ElectionError, match="Polling must stay open at least 14"):
        _create(official, polling_closes_at=fields["polling_opens_at"] + datetime.timedelta(10))


def test_the_minimum_is_a_setting(official: Any, settings: Any) -> None:
    settings.STACKVOTE_MIN_PHASE_DAYS = 7
    election = _create(official, nominations_closes_at=OPENS + datetime.timedelta(days=7))
    assert election.nominations_closes_at - election.nominations_opens_at == datetime.timedelta(7)


def test_polling_cannot_open_before_nominations_close(official: Any) -> None:
    fields = calendar_from(OPENS)
    with pytest.raises(actions.ElectionError, match="Polling cannot open before nominations"):
        _create(
            official,
            polling_opens_at=fields["nominations_closes_at"] - datetime.timedelta(1),
            polling_closes_at=fields["polling_closes_at"],
        )


def test_naive_dates_are_refused(official: Any) -> None:
    with pytest.raises(actions.ElectionError, match="timezone-aware"):
        _create(official, nominations_opens_at=datetime.datetime(2030, 1, 6))  # noqa: DTZ001


def test_campaigning_is_optional(official: Any) -> None:
    election = _create(official, **calendar_from(OPENS, campaigning_days=0))
    assert not election.has_campaigning
    assert [row.phase for row in election.calendar()] == ["nominations", "polling"]


def test_real_openstack_configuration_maps_onto_one_calendar() -> None:
    calendar = parse_configuration(CONFIGURATION.read_text())
    utc = datetime.UTC
    assert calendar.election_type == "combined" and calendar.tc_seats == 4
    assert calendar.nominations_opens_at == datetime.datetime(2026, 8, 5, 23, 45, tzinfo=utc)
    assert calendar.nominations_closes_at == datetime.datetime(2026, 8, 19, 23, 45, tzinfo=utc)
    # TC Campaigning is the gap between the two.
    assert calendar.polling_opens_at == datetime.datetime(2026, 8, 26, 23, 45, tzinfo=utc)
    assert calendar.polling_closes_at == datetime.datetime(2026, 9, 16, 23, 45, tzinfo=utc)
    assert (calendar.window_start, calendar.window_end) == (
        datetime.date(2025, 9, 12),
        datetime.date(2026, 8, 19),
    )


def test_configuration_whose_ptl_and_tc_calendars_differ_is_refused() -> None:
    text = CONFIGURATION.read_text().replace(
        "  - name: PTL Nominations\n    start: 2026-08-05T23:45",
        "  - name: PTL Nominations\n    start: 2026-08-04T23:45",
    )
    with pytest.raises(ConfigurationError, match="different dates"):
        parse_configuration(text)


def test_import_command_creates_the_election_tc_and_ptl_contests(make_team: Any) -> None:
    make_team("Nova", "nova")
    make_team("Swift", "swift")
    call_command("import_election", str(CONFIGURATION))
    election = Election.objects.get(slug="2027-1-combined")
    assert election.name == "2027.1 PTL and TC elections"
    assert election.phase == Phase.DRAFT
    assert election.nominations_closes_at - election.nominations_opens_at == datetime.timedelta(14)
    assert election.polling_closes_at - election.polling_opens_at == datetime.timedelta(21)
    kinds = sorted((c.kind, c.slug, c.seats) for c in election.contests.all())
    assert kinds == [
        (ContestKind.PTL, "nova", 1),
        (ContestKind.PTL, "swift", 1),
        (ContestKind.TC, "tc", 4),
    ]
    assert AuditEntry.objects.filter(action="election.create").count() == 1


def test_import_command_reports_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "configuration.yaml"
    bad.write_text("release: x\ntimeline: []\n")
    with pytest.raises(CommandError, match="timeframe"):
        call_command("import_election", str(bad))


# --- Phase moves by hand ------------------------------------------------------------------------


def test_illegal_moves_are_refused_with_a_message(
    official: Any, make_election: Any, make_contest: Any
) -> None:
    election = make_election()
    make_contest(election, kind=ContestKind.TC, seats=3)
    with pytest.raises(actions.IllegalPhaseMove, match="cannot move from Draft to Polling"):
        actions.election_phase_move(
            election=election, to_phase=Phase.POLLING, actor=official, reason="skip ahead"
        )
    election.refresh_from_db()
    assert election.phase == Phase.DRAFT


def test_a_move_by_hand_needs_a_reason(
    official: Any, make_election: Any, make_contest: Any
) -> None:
    election = make_election()
    make_contest(election, kind=ContestKind.TC, seats=3)
    with pytest.raises(actions.IllegalPhaseMove, match="reason"):
        actions.election_phase_move(
            election=election, to_phase=Phase.NOMINATIONS, actor=official, reason="  "
        )


def test_an_election_without_contests_cannot_open(official: Any, make_election: Any) -> None:
    with pytest.raises(actions.IllegalPhaseMove, match="no contest"):
        actions.election_phase_move(
            election=make_election(), to_phase=Phase.NOMINATIONS, actor=official, reason="go"
        )


def test_an_official_not_named_for_the_election_cannot_move_it(
    official: Any, make_user: Any, make_election: Any, make_contest: Any
) -> None:
    from accounts.roles import ensure_official_group

    other = make_user("other-official@example.org", is_staff=True)
    other.groups.add(ensure_official_group())
    election = make_election()
    election.officials.add(official)
    make_contest(election, kind=ContestKind.TC, seats=3)
    with pytest.raises(actions.IllegalPhaseMove, match="Only the officials"):
        actions.election_phase_move(
            election=election, to_phase=Phase.NOMINATIONS, actor=other, reason="go"
        )


def test_every_move_is_in_the_audit_log(
    official: Any, make_election: Any, make_contest: Any
) -> None:
    election = make_election()
    make_contest(election, kind=ContestKind.TC, seats=3)
    actions.election_phase_move(
        election=election,
        to_phase=Phase.NOMINATIONS,
        actor=official,
        reason="announced on the mailing list",
    )
    entry = AuditEntry.objects.filter(action="election.phase_move").get()
    assert entry.actor == official and entry.actor_label == official.email
    assert entry.target == f"election:{election.pk}"
    assert entry.detail["from"] == "draft" and entry.detail["to"] == "nominations"
    assert entry.detail["reason"] == "announced on the mailing list"
    assert entry.created_at is not None
    assert audit_chain_breaks() == []


# --- Audit log ---------------------------------------------------------------------------------


def test_audit_entries_are_append_only(official: Any) -> None:
    entry = audit_record(actor=official, action="test", target="x:1", detail={"a": 1})
    entry.action = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_audit_chain_detects_a_changed_or_removed_entry(official: Any) -> None:
    entries = [
        audit_record(actor=official, action="test", target=f"x:{n}", detail={"n": n})
        for n in range(4)
    ]
    assert entries[1].previous_hash == entries[0].entry_hash
    assert audit_chain_breaks() == []
    # As the table's owner could, past the append-only trigger (tests/audit/tampering.py).
    raw_update_target(entries[1].pk, "x:99")
    assert audit_chain_breaks() == [entries[1].pk]
    raw_delete(entries[1].pk)
    assert entries[2].pk in audit_chain_breaks()


def test_the_window_is_fixed_once_nominations_open(
    official: Any, make_election: Any, make_contest: Any, open_nominations: Any
) -> None:
    election = make_election()
    make_contest(election, kind=ContestKind.TC, seats=3)
    election = open_nominations(election)
    with pytest.raises(actions.ElectionError, match="rolls were frozen"):
        actions.election_update(
            election=election, actor=official, window_start=datetime.date(2025, 1, 1)
        )
    later = election.polling_closes_at + datetime.timedelta(days=2)
    actions.election_update(election=election, actor=official, polling_closes_at=later)
    entry = AuditEntry.objects.filter(action="election.update").latest("pk")
    assert entry.detail["polling_closes_at"]["to"].startswith(later.isoformat()[:16])


def test_naming_an_elections_officials_is_audited_and_theirs_alone(
    official: Any, make_election: Any, make_user: Any
) -> None:
    from accounts.roles import ensure_official_group

    election = make_election()
    other = make_user("other.official@example.org", is_staff=True)
    other.groups.add(ensure_official_group())
    actions.election_officials_set(election=election, officials=[official], actor=official)
    entry = AuditEntry.objects.filter(action="election.officials").get()
    assert entry.detail == {"from": [], "to": ["official@example.org"]}
    # An official the election does not name cannot rename its officials.
    with pytest.raises(actions.ElectionError, match="Only the officials who run this election"):
        actions.election_officials_set(election=election, officials=[other], actor=other)
    assert list(election.officials.all()) == [official]


# --- Saving an election after its phases moved --------------------------------------------------


def _in_polling_after_an_early_close(
    official: Any, make_election: Any, make_contest: Any, make_team: Any
) -> Election:
    """Nominations opened and closed early by hand (the demo's way): nominations lasted
    far less than the minimum."""
    election = make_election()
    make_contest(election, kind=ContestKind.COMMUNITY, name="Release name", slug="name")
    contest = election.contests.get()
    for option in ("A", "B"):
        actions.option_create(contest=contest, actor=official, name=option)
    for phase in (Phase.NOMINATIONS, Phase.POLLING):
        election = actions.election_phase_move(
            election=election, to_phase=phase, actor=official, reason="early, by hand"
        )
    return election


def test_an_election_closed_early_can_still_be_saved_and_polling_extended(
    official: Any, make_election: Any, make_contest: Any, make_team: Any
) -> None:
    election = _in_polling_after_an_early_close(official, make_election, make_contest, make_team)
    assert election.nominations_closes_at - election.nominations_opens_at < datetime.timedelta(14)
    actions.election_update(election=election, actor=official, name="Renamed")
    later = election.polling_closes_at + datetime.timedelta(days=3)
    election = actions.election_update(election=election, actor=official, polling_closes_at=later)
    election.refresh_from_db()
    assert election.name == "Renamed" and election.polling_closes_at == later


def test_dates_that_have_passed_and_the_slug_are_fixed_during_polling(
    official: Any, make_election: Any, make_contest: Any, make_team: Any
) -> None:
    election = _in_polling_after_an_early_close(official, make_election, make_contest, make_team)
    closed = election.nominations_closes_at
    with pytest.raises(actions.ElectionError, match="The close of nominations has passed"):
        actions.election_update(
            election=election, actor=official, nominations_closes_at=closed - datetime.timedelta(1)
        )
    with pytest.raises(actions.ElectionError, match="The opening of the polls has passed"):
        actions.election_update(
            election=election,
            actor=official,
            polling_opens_at=election.polling_opens_at + datetime.timedelta(hours=1),
        )
    with pytest.raises(actions.ElectionError, match="slug is fixed once nominations"):
        actions.election_update(election=election, actor=official, slug="another-address")
    time.sleep(0.01)  # polling opened at "now": let a moment pass
    with pytest.raises(actions.ElectionError, match="cannot move to before now"):
        actions.election_update(
            election=election,
            actor=official,
            polling_closes_at=election.polling_opens_at + datetime.timedelta(microseconds=1),
        )
    election.refresh_from_db()
    assert election.nominations_closes_at == closed and election.slug == "2027-1"


def test_the_admin_shows_passed_dates_and_the_slug_read_only_during_polling(
    official: Any, make_election: Any, make_contest: Any, make_team: Any, client: Any
) -> None:
    from django.urls import reverse

    election = _in_polling_after_an_early_close(official, make_election, make_contest, make_team)
    client.force_login(official)
    form = (
        client.get(reverse("admin:elections_election_change", args=[election.pk]))
        .context["adminform"]
        .form
    )
    fixed = {name for name, field in form.fields.items() if field.disabled}
    assert {"slug", "nominations_opens_at", "nominations_closes_at", "polling_opens_at"} <= fixed
    assert "polling_closes_at" not in fixed and "name" not in fixed


def test_a_draft_still_holds_every_phase_to_the_minimum(official: Any) -> None:
    election = _create(official)
    with pytest.raises(actions.ElectionError, match="Nominations must stay open at least 14"):
        actions.election_update(
            election=election,
            actor=official,
            nominations_closes_at=OPENS + datetime.timedelta(days=3),
        )


# --- PTL contests only for teams with a PTL -----------------------------------------------------


def test_no_ptl_contest_for_a_team_under_distributed_leadership(
    official: Any, make_election: Any, make_team: Any
) -> None:
    team = make_team("Release Management", "release-management")
    team.leadership_type = "distributed"
    team.save(update_fields=["leadership_type"])
    with pytest.raises(actions.ElectionError, match="Release Management has no PTL"):
        actions.contest_create(
            election=make_election(),
            actor=official,
            kind=ContestKind.PTL,
            name="Release Management PTL",
            slug="release-management",
            team=team,
        )


def test_no_ptl_contest_for_a_retired_team(
    official: Any, make_election: Any, make_team: Any
) -> None:
    from accounts.models import TeamKind

    team = make_team("Karbor", "karbor")
    team.kind, team.retired_on = TeamKind.LEGACY, datetime.date(2024, 3, 1)
    team.save(update_fields=["kind", "retired_on"])
    with pytest.raises(actions.ElectionError, match="Karbor retired on 2024-03-01"):
        actions.contest_create(
            election=make_election(),
            actor=official,
            kind=ContestKind.PTL,
            name="Karbor PTL",
            slug="karbor",
            team=team,
        )


def test_the_import_refuses_a_ptl_contest_for_a_distributed_team(make_team: Any) -> None:
    make_team("Nova", "nova")
    team = make_team("Oslo", "oslo")
    team.leadership_type = "distributed"
    team.save(update_fields=["leadership_type"])
    with pytest.raises(CommandError, match="Oslo has no PTL"):
        call_command("import_election", str(CONFIGURATION), "--team", "nova", "--team", "oslo")
    assert not Election.objects.exists()
