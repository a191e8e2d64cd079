"""Invitations to everyone on a roll, through a real SMTP server on loopback: one mail per
person, with or without an account, carrying a one-step, single-use way in."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdentityLink, User
from elections import actions
from elections.invitation_links import invitation_id_from
from elections.models import Invitation, InvitationState, Phase
from tests.smtpsink import SmtpSink

pytestmark = pytest.mark.django_db

LINK = re.compile(r"(http://vote\.example\.test/invitation/[^/\s]+/)")


@pytest.fixture
def poll(
    smtp: SmtpSink,
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    make_user: Any,
    official: Any,
    django_capture_on_commit_callbacks: Any,
) -> dict[str, Any]:
    """A Nova PTL poll. On its roll: alice and bob (accounts; candidates), carol (an account
    whose contributing address is unverified), dave (no account), frank (no account, two
    addresses one Gerrit account joins) and grace (an account holding both her addresses,
    primary grace@home.example.org). erin contributed to Swift only."""
    nova = make_team("Nova", "nova")
    swift = make_team("Swift", "swift")
    for address in (
        "alice@example.org",
        "bob@example.org",
        "carol@old.example.net",
        "dave@example.org",
        "frank@one.example.org",
        "frank@two.example.org",
        "grace@work.example.org",
    ):
        contribute(nova, address)
    contribute(swift, "erin@example.org")
    IdentityLink.objects.create(identity="gerrit:42", email="frank@one.example.org")
    IdentityLink.objects.create(identity="gerrit:42", email="frank@two.example.org")
    people = {name: make_user(f"{name}@example.org") for name in ("alice", "bob", "erin")}
    people["carol"] = make_user("carol@example.org", unverified=("carol@old.example.net",))
    people["grace"] = make_user(
        "grace@home.example.org", verified=("grace@home.example.org", "grace@work.example.org")
    )
    election = make_election()
    contest = make_contest(election, team=nova)
    election = open_nominations(election)
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("alice", "bob"):
            candidacy = actions.candidacy_submit(
                contest=contest, candidate=people[name], platform="p"
            )
            actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=True)
    return {
        "election": election,
        "contest": contest,
        "people": people,
        "official": official,
        "smtp": smtp,
    }


def _open_polls(poll: dict[str, Any], capture: Any) -> None:
    poll["smtp"].received.clear()  # the candidates' review decisions
    with capture(execute=True):
        poll["election"] = actions.election_phase_move(
            election=poll["election"], to_phase=Phase.POLLING, actor=poll["official"], reason="open"
        )
    poll["contest"].refresh_from_db()


def _link(sink: SmtpSink, address: str) -> str:
    (received,) = sink.to(address)
    body = received.message().get_payload(decode=True).decode()
    match = LINK.search(body)
    assert match, body
    return match.group(1).replace("http://vote.example.test", "")


EXPECTED = {
    "alice@example.org",
    "bob@example.org",
    "carol@old.example.net",
    "dave@example.org",
    "frank@one.example.org",
    "grace@home.example.org",
}


def test_every_person_on_the_roll_is_invited_once_with_or_without_an_account(
    smtp: SmtpSink, poll: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    _open_polls(poll, django_capture_on_commit_callbacks)
    recipients = smtp.recipients()
    # One per person: frank's two joined addresses get one mail, grace's goes to her primary.
    assert sorted(recipients) == sorted(EXPECTED)
    body = smtp.to("dave@example.org")[0].message().get_payload(decode=True).decode()
    assert "Nova PTL" in body and poll["election"].name in body
    assert "1 contributions" in body  # why dave is on the roll
    assert poll["contest"].polling_closes_at.strftime("%Y-%m-%d %H:%M") in body
    # Opening again, or the sweep, sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        actions.invitations_queue(contest=poll["contest"])
        actions.invitations_requeue_stale(now=poll["contest"].polling_opens_at.replace(year=2100))
    assert sorted(smtp.recipients()) == sorted(EXPECTED)
    assert set(Invitation.objects.values_list("state", flat=True)) == {InvitationState.SENT}


def test_the_mail_is_the_same_for_addresses_with_and_without_an_account(
    smtp: SmtpSink, poll: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    _open_polls(poll, django_capture_on_commit_callbacks)

    def shape(address: str) -> str:
        body = smtp.to(address)[0].message().get_payload(decode=True).decode()
        body = re.sub(r"http://vote\.example\.test/\S+", "LINK", body).replace(address, "ADDRESS")
        return re.sub(r"Hello [^,]*,", "Hello,", body)

    assert shape("dave@example.org") == shape("alice@example.org")


def test_following_the_link_creates_the_account_verifies_the_address_and_lands_on_the_ballot(
    smtp: SmtpSink, poll: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    _open_polls(poll, django_capture_on_commit_callbacks)
    link = _link(smtp, "dave@example.org")
    client = Client()
    page = client.get(link)
    assert page.status_code == 200 and b"Confirm and go to my ballot" in page.content
    assert not User.objects.filter(email="dave@example.org").exists()  # a GET changes nothing
    refused = client.post(link, {"full_name": ""})
    assert b"Enter the name" in refused.content
    assert not User.objects.filter(email="dave@example.org").exists()
    answer = client.post(link, {"full_name": "Dave Doe"})
    ballot = reverse("ballot", kwargs={"contest_id": poll["contest"].pk})
    assert answer.status_code == 302 and answer["Location"] == ballot
    dave = User.objects.get(email="dave@example.org")
    assert dave.full_name == "Dave Doe" and not dave.has_usable_password()
    assert EmailAddress.objects.get(user=dave).verified
    assert client.get(ballot).status_code == 200
    assert b"Dave Doe" in client.get(reverse("profile")).content
    # Used: useless now, in this browser or another.
    for browser in (client, Client()):
        again = browser.post(link, {"full_name": "Mallory"})
        assert again.status_code == 410 and b"used already" in again.content


def test_the_link_verifies_only_its_own_address_and_takes_it_from_an_unproven_claim(
    smtp: SmtpSink, poll: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    _open_polls(poll, django_capture_on_commit_callbacks)
    carol = poll["people"]["carol"]
    client = Client()
    client.force_login(carol)
    answer = client.post(_link(smtp, "carol@old.example.net"), {"full_name": ""})
    assert answer.status_code == 302
    addresses = dict(EmailAddress.objects.filter(user=carol).values_list("email", "verified"))
    assert addresses == {"carol@example.org": True, "carol@old.example.net": True}
    # frank's link proves the address it went to, not the other one his Gerrit account joins.
    Client().post(_link(smtp, "frank@one.example.org"), {"full_name": "Frank"})
    assert EmailAddress.objects.filter(email="frank@one.example.org", verified=True).exists()
    assert not EmailAddress.objects.filter(email="frank@two.example.org").exists()


def test_an_unverified_claim_by_someone_else_is_dropped_when_the_owner_follows_the_link(
    smtp: SmtpSink, poll: dict[str, Any], make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mallory = make_user("mallory@example.org", unverified=("dave@example.org",))
    _open_polls(poll, django_capture_on_commit_callbacks)
    client = Client()
    client.post(_link(smtp, "dave@example.org"), {"full_name": "Dave"})
    assert not EmailAddress.objects.filter(user=mallory, email="dave@example.org").exists()
    dave = EmailAddress.objects.get(email="dave@example.org").user
    assert dave != mallory and dave.full_name == "Dave"


def test_an_expired_or_tampered_link_is_refused_and_changes_nothing(
    smtp: SmtpSink, poll: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    _open_polls(poll, django_capture_on_commit_callbacks)
    link = _link(smtp, "dave@example.org")
    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    answer = Client().post(tampered, {"full_name": "Dave"})
    assert answer.status_code == 410 and b"not valid" in answer.content
    other = _link(smtp, "alice@example.org")
    # Another invitation's id under this one's signature is refused too.
    spliced = other.split(":")[0] + ":" + link.split(":", 1)[1]
    assert Client().post(spliced, {"full_name": "x"}).status_code == 410
    after_close = poll["contest"].polling_closes_at + datetime.timedelta(seconds=1)
    with time_machine.travel(after_close, tick=False):
        expired = Client().post(link, {"full_name": "Dave"})
    assert expired.status_code == 410 and b"expired" in expired.content
    assert not User.objects.filter(email="dave@example.org").exists()
    assert Invitation.objects.filter(used_at__isnull=False).count() == 0


def test_an_official_link_confirms_the_address_but_signs_in_only_with_the_second_factor(
    smtp: SmtpSink,
    poll: dict[str, Any],
    make_team: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from accounts.roles import ensure_official_group

    poll["people"]["alice"].groups.add(ensure_official_group())
    _open_polls(poll, django_capture_on_commit_callbacks)
    client = Client()
    answer = client.post(_link(smtp, "alice@example.org"), {"full_name": ""})
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_a_refused_delivery_is_retried_then_failed_for_officials_and_sent_on_retry(
    smtp: SmtpSink, poll: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.STACKVOTE_MAIL_MAX_RETRIES = 1
    smtp.refuse.add("dave@example.org")
    _open_polls(poll, django_capture_on_commit_callbacks)
    dave = Invitation.objects.get(email="dave@example.org")
    assert dave.state == InvitationState.PENDING and dave.attempts == 1 and "451" in dave.last_error
    later = dave.not_before + datetime.timedelta(minutes=20)
    with time_machine.travel(later, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert actions.invitations_requeue_stale() == 1
    dave.refresh_from_db()
    assert dave.state == InvitationState.FAILED
    smtp.refuse.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.invitations_retry(invitation_ids=[dave.pk], actor=poll["official"]) == 1
    dave.refresh_from_db()
    assert dave.state == InvitationState.SENT
    assert smtp.recipients().count("dave@example.org") == 1
    assert sorted(smtp.recipients()) == sorted(EXPECTED)


def test_a_person_with_several_roll_addresses_is_invited_once_at_the_one_they_prefer(
    smtp: SmtpSink, poll: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """grace makes her work address her primary one before the roll is frozen: her one
    invitation goes there, not to the other address of her account."""
    EmailAddress.objects.get(email="grace@work.example.org").set_as_primary()
    _open_polls(poll, django_capture_on_commit_callbacks)
    graces = [address for address in smtp.recipients() if address.startswith("grace@")]
    assert graces == ["grace@work.example.org"]
    assert Invitation.objects.filter(email__startswith="grace@").count() == 1


def test_a_bounce_fails_at_once_and_officials_read_it_and_send_it_again_from_the_dashboard(
    smtp: SmtpSink, poll: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """A mailbox the server says does not exist (550) is not retried for hours: the
    invitation fails at once, the dashboard counts it and links to the list that shows the
    server's answer, and the officials send it again once the address is fixed."""
    smtp.reject.add("dave@example.org")
    _open_polls(poll, django_capture_on_commit_callbacks)
    dave = Invitation.objects.get(email="dave@example.org")
    assert dave.state == InvitationState.FAILED and dave.attempts == 1
    assert dave.last_error.startswith("Bounced") and "550" in dave.last_error
    client.force_login(poll["official"])
    slug = poll["election"].slug
    dashboard = client.get(reverse("officials_dashboard", args=[slug])).content.decode()
    assert "1 invitation failed." in dashboard
    listing = reverse("admin:elections_invitation_changelist")
    assert listing in dashboard
    failed = client.get(listing + "?state__exact=failed").content.decode()
    assert "dave@example.org" in failed and "No such mailbox" in failed
    smtp.reject.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("officials_mail_retry", args=[slug]))
    dave.refresh_from_db()
    assert dave.state == InvitationState.SENT
    assert smtp.recipients().count("dave@example.org") == 1


def test_a_worker_killed_mid_batch_loses_nothing_the_sweep_sends_its_claimed_rows(
    smtp: SmtpSink, poll: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A dead worker's claim ("sending", never stamped) goes back to pending once stale and
    is sent, with the same Message-ID, once."""
    from elections.actions.invitations import _claim

    settings.STACKVOTE_MAIL_BATCH_SIZE = 2
    smtp.received.clear()
    with django_capture_on_commit_callbacks(execute=False):
        poll["election"] = actions.election_phase_move(
            election=poll["election"], to_phase=Phase.POLLING, actor=poll["official"], reason="o"
        )
    # A worker claims two rows, then dies before sending them (nothing runs its finally).
    claimed = _claim(2, timezone.now())
    assert Invitation.objects.filter(state=InvitationState.SENDING).count() == 2
    actions.invitations_send(limit=100)  # another worker sends the rest, not the claimed two
    assert len(smtp.recipients()) == len(EXPECTED) - 2
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.invitations_requeue_stale() == 0  # a fresh claim may be a live worker
    later = timezone.now() + datetime.timedelta(minutes=20)
    with time_machine.travel(later, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert actions.invitations_requeue_stale() == 2
    assert sorted(smtp.recipients()) == sorted(EXPECTED)
    ids = {r.message()["Message-ID"] for r in smtp.received}
    assert len(ids) == len(EXPECTED) and all(
        f"<invitation-{pk}@" in " ".join(ids) for pk in claimed
    )


def test_the_reminder_reuses_the_unused_link_and_the_opt_out_stops_further_mail(
    smtp: SmtpSink, poll: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    _open_polls(poll, django_capture_on_commit_callbacks)
    first_link = _link(smtp, "dave@example.org")
    Client().post(_link(smtp, "alice@example.org"), {"full_name": ""})  # alice signs in
    body = smtp.to("frank@one.example.org")[0].message().get_payload(decode=True).decode()
    opt_out = re.search(r"(http://vote\.example\.test/opt-out/\S+/)", body)
    assert opt_out
    opt_out_path = opt_out.group(1).replace("http://vote.example.test", "")
    page = Client().get(opt_out_path)
    assert b"Stop mail about this election" in page.content
    from elections.models import ElectionOptOut

    assert not ElectionOptOut.objects.exists()  # a GET changes nothing
    assert b"gets no more mail" in Client().post(opt_out_path).content
    smtp.received.clear()
    election = poll["election"]
    due = election.polling_closes_at - datetime.timedelta(days=2)
    with time_machine.travel(due, tick=False), django_capture_on_commit_callbacks(execute=True):
        actions.elections_advance()
    # Nobody has voted; frank opted out.
    assert sorted(smtp.recipients()) == sorted(EXPECTED - {"frank@one.example.org"})
    reminder = smtp.to("dave@example.org")[0].message().get_payload(decode=True).decode()
    # Still unused: the reminder carries the first invitation's link (signed again).
    (again,) = LINK.findall(reminder)
    token = again.rstrip("/").rsplit("/", 1)[1]
    assert invitation_id_from(token) == invitation_id_from(first_link.rstrip("/").rsplit("/", 1)[1])
    alice = smtp.to("alice@example.org")[0].message().get_payload(decode=True).decode()
    assert f"/vote/{poll['contest'].pk}/" in alice and "/invitation/" not in alice
    tampered = opt_out_path[:-3] + ("A" if opt_out_path[-3] != "A" else "B") + opt_out_path[-2:]
    assert Client().post(tampered).status_code == 410


def test_officials_preview_and_edit_a_notice_and_the_mail_uses_their_words(
    smtp: SmtpSink, poll: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    election = poll["election"]
    client.force_login(poll["official"])
    url = reverse("officials_notice", kwargs={"slug": election.slug, "kind": "polling_open"})
    page = client.get(url).content.decode()
    assert "$link" in page and "the default text" in page
    body = "Dear $name, $contest is open until $polling_closes.\n$link\nStop: $opt_out_link\n"
    preview = client.post(url, {"subject": "Vote: $contest", "body": body, "preview": "1"})
    text = preview.content.decode()
    assert "Vote: Nova PTL" in text and "Nova PTL is open until" in text
    refused = client.post(url, {"subject": "Vote $oops", "body": body, "save": "1"})
    assert "Unknown placeholder in the subject: $oops" in refused.content.decode()
    no_link = client.post(url, {"subject": "Vote", "body": "Hello $name", "save": "1"})
    assert "must carry $link and $opt_out_link" in no_link.content.decode()
    assert (
        client.post(url, {"subject": "Vote: $contest", "body": body, "save": "1"}).status_code
        == 302
    )
    _open_polls(poll, django_capture_on_commit_callbacks)
    received = smtp.to("dave@example.org")[0].message()
    assert received["Subject"] == "Vote: Nova PTL"
    assert "Dear dave, Nova PTL is open until" in received.get_payload(decode=True).decode()
    assert client.post(url, {"reset": "1"}).status_code == 302
    assert "the default text" in client.get(url).content.decode()
