"""The voting pages through the Django test client: the whole flow, and every bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from elections.models import Contest
from elections.voting.models import VoterRecord
from elections.voting.receipts import receipt_hash

from .box import box_ballots, only_ballot, sealed_count
from .conftest import OPTIONS, PASSWORD, option_keys

pytestmark = pytest.mark.django_db

RECEIPT = re.compile(r'id="receipt-code">([A-Z2-7]{5}(?:-[A-Z2-7]{5}){3})<')


def signed_in(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    assert client.login(email=user.email, password=PASSWORD)
    return client


def ranks(contest: Contest, **by_initial: str) -> dict[str, str]:
    """POST fields: one per option, "" (no opinion) unless given by the option's initial."""
    return {
        f"rank-{key}": by_initial.get(name[0], "") for name, key in option_keys(contest).items()
    }


def cast(client: Client, contest: Contest, **by_initial: str) -> str:
    url = reverse("ballot", args=[contest.pk])
    page = client.post(url, {**ranks(contest, **by_initial), "step": "confirm"})
    assert page.status_code == 200, page.content.decode()
    return RECEIPT.search(page.content.decode()).group(1)


def nothing_stored(contest: Contest) -> bool:
    return (
        not box_ballots(contest)
        and sealed_count(contest) == 0
        and not VoterRecord.objects.filter(contest=contest).exists()
    )


def test_full_flow_vote_review_cast_change_and_check_the_receipt(
    poll: Contest, elector: Any, close_poll: Any
) -> None:
    client = signed_in(elector)
    index = client.get(reverse("vote_index")).content.decode()
    assert poll.name in index and "Not voted yet" in index
    assert reverse("ballot", args=[poll.pk]) in index

    url = reverse("ballot", args=[poll.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    for name, key in option_keys(poll).items():
        assert f'name="rank-{key}"' in html and name in html
    assert html.count(">No opinion</option>") == len(OPTIONS)
    assert '<option value="4">' in html and '<option value="5">' not in html
    assert "csrfmiddlewaretoken" in html
    assert 'src="/static/js/ballot.js"' in html

    # Rank: Ada first, Brian and Carol tied second, Dennis no opinion.
    chosen = ranks(poll, A="1", B="2", C="2")
    order = re.search(r'name="order" value="([^"]+)"', html).group(1)
    review = client.post(url, {**chosen, "order": order, "step": "review"})
    text = review.content.decode()
    assert review.status_code == 200
    assert (
        "You ranked:</strong> 1. Ada Lovelace, 2. Brian Kernighan = Carol Shaw; "
        "unranked: Dennis Ritchie" in text
    )
    assert nothing_stored(poll)
    for field, value in chosen.items():
        assert f'name="{field}" value="{value}"' in text

    # Back to editing keeps the ranks and the voter's order.
    edit = client.post(url, {**chosen, "order": order, "step": "edit"}).content.decode()
    assert f'name="order" value="{order}"' in edit
    ada = option_keys(poll)["Ada Lovelace"]
    assert re.search(rf'name="rank-{ada}"[^>]*>.*?<option value="1" selected>', edit, re.S)

    confirm = client.post(url, {**chosen, "order": order, "step": "confirm"})
    assert confirm.status_code == 200
    assert "no-store" in confirm["Cache-Control"]
    code = RECEIPT.search(confirm.content.decode()).group(1)
    assert receipt_hash(code) in confirm.content.decode()
    ballot = only_ballot(poll)
    assert ballot.receipt_hash == receipt_hash(code)
    assert sorted(ballot.ranks.values()) == [1, 2, 2]
    assert code not in str(dict(client.session))

    assert "You have voted" in client.get(reverse("vote_index")).content.decode()
    public = Client().get(reverse("turnout")).content.decode()
    assert "<td>1</td>" in public and poll.name in public

    # Changing the vote needs the receipt.
    change_page = client.get(url).content.decode()
    assert "Change your vote" in change_page and 'name="receipt"' in change_page
    new_ranks = ranks(poll, D="1")
    review = client.post(url, {**new_ranks, "receipt": code.lower(), "step": "review"})
    assert review.status_code == 200 and "1. Dennis Ritchie" in review.content.decode()
    changed = client.post(url, {**new_ranks, "receipt": code, "step": "confirm"})
    new_code = RECEIPT.search(changed.content.decode()).group(1)
    assert new_code != code
    ballot = only_ballot(poll)
    assert ballot.receipt_hash == receipt_hash(new_code)
    assert ballot.ranks == {option_keys(poll)["Dennis Ritchie"]: 1}
    assert VoterRecord.objects.filter(contest=poll).count() == 1

    # Receipts can be checked only after the close.
    check_url = reverse("receipt_check", args=[poll.pk])
    assert "once polling has closed" in Client().get(check_url).content.decode()
    assert Client().post(check_url, {"receipt": new_code}).status_code == 409
    assert Client().get(reverse("receipt_hashes", args=[poll.pk])).status_code == 404

    close_poll(poll)
    anyone = Client()
    counted = anyone.post(check_url, {"receipt": new_code}).content.decode()
    assert "Counted, as cast." in counted
    assert "Not found." in anyone.post(check_url, {"receipt": code}).content.decode()
    listing = anyone.get(reverse("receipt_hashes", args=[poll.pk]))
    assert listing.content.decode() == receipt_hash(new_code) + "\n"


def test_candidates_are_shuffled_per_page_load(poll: Contest, elector: Any) -> None:
    client = signed_in(elector)
    url = reverse("ballot", args=[poll.pk])
    orders = {
        re.search(r'name="order" value="([^"]+)"', client.get(url).content.decode()).group(1)
        for _ in range(15)
    }
    assert len(orders) > 1


def test_non_elector_is_told_why_and_never_sees_a_ballot(poll: Contest, make_user: Any) -> None:
    outsider = make_user("outsider@example.org")
    client = signed_in(outsider)
    index = client.get(reverse("vote_index")).content.decode()
    assert "Not on the electorate" in index
    assert reverse("ballot", args=[poll.pk]) not in index
    assert f'href="{reverse("eligibility")}"' in index
    page = client.get(reverse("ballot", args=[poll.pk]))
    assert page.status_code == 403
    assert "not on the electorate" in page.content.decode()
    assert f'href="{reverse("eligibility")}"' in page.content.decode()
    assert "<select" not in page.content.decode()
    post = client.post(reverse("ballot", args=[poll.pk]), {**ranks(poll, A="1"), "step": "confirm"})
    assert post.status_code == 403 and nothing_stored(poll)


def test_anonymous_visitor_is_sent_to_sign_in(poll: Contest) -> None:
    page = Client().get(reverse("ballot", args=[poll.pk]))
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


@pytest.mark.parametrize("contest_id", [987654, 2**63, 10**30])
def test_unknown_contest_is_404(elector: Any, db: Any, contest_id: int) -> None:
    client = signed_in(elector)
    assert client.get(reverse("ballot", args=[contest_id])).status_code == 404
    cast = client.post(reverse("ballot", args=[contest_id]), {"step": "confirm"})
    assert cast.status_code == 404


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "from 1 to 4"),
        ("-1", "from 1 to 4"),
        ("5", "from 1 to 4"),
        ("99999999999999999999999999", "from 1 to 4"),
        ("1.5", "whole number"),
        ("one", "whole number"),
    ],
)
@pytest.mark.parametrize("step", ["review", "confirm"])
def test_bad_ranks_are_refused_with_a_message(
    poll: Contest, elector: Any, value: str, message: str, step: str
) -> None:
    page = signed_in(elector).post(
        reverse("ballot", args=[poll.pk]), {**ranks(poll, A=value, B="1"), "step": step}
    )
    assert page.status_code == 400
    assert message in page.content.decode()
    assert "Nothing has been stored" in page.content.decode()
    assert nothing_stored(poll)


def test_unknown_candidate_is_refused(poll: Contest, elector: Any) -> None:
    page = signed_in(elector).post(
        reverse("ballot", args=[poll.pk]),
        {**ranks(poll, A="1"), "rank-option-999999": "2", "step": "confirm"},
    )
    assert page.status_code == 400
    assert "not standing in this contest" in page.content.decode()
    assert nothing_stored(poll)


def test_duplicate_fields_are_refused(poll: Contest, elector: Any) -> None:
    fields = ranks(poll, B="2")
    ada = f"rank-{option_keys(poll)['Ada Lovelace']}"
    fields[ada] = ["1", "3"]  # type: ignore[assignment]
    page = signed_in(elector).post(reverse("ballot", args=[poll.pk]), {**fields, "step": "confirm"})
    assert page.status_code == 400
    assert "sent more than once" in page.content.decode()
    assert nothing_stored(poll)


def test_blank_ballot_is_refused_with_how_to_abstain(poll: Contest, elector: Any) -> None:
    page = signed_in(elector).post(
        reverse("ballot", args=[poll.pk]), {**ranks(poll), "step": "confirm"}
    )
    assert page.status_code == 400
    assert "Rank at least one candidate" in page.content.decode()
    assert nothing_stored(poll)


def test_ranks_of_another_contest_are_refused(make_poll: Any, elector: Any) -> None:
    first = make_poll(electors=[elector])
    second = make_poll(electors=[elector])
    page = signed_in(elector).post(
        reverse("ballot", args=[second.pk]), {**ranks(first, A="1"), "step": "confirm"}
    )
    assert page.status_code == 400
    assert "not standing in this contest" in page.content.decode()
    assert nothing_stored(second) and nothing_stored(first)


def test_closed_contest_takes_no_ballot(poll: Contest, elector: Any, close_poll: Any) -> None:
    closed = close_poll(poll, seal=False)
    client = signed_in(elector)
    page = client.post(
        reverse("ballot", args=[closed.pk]), {**ranks(closed, A="1"), "step": "confirm"}
    )
    assert page.status_code == 409
    assert "not open for voting" in page.content.decode()
    assert nothing_stored(closed)
    assert closed.name not in client.get(reverse("vote_index")).content.decode()


def test_missing_csrf_token_is_refused(poll: Contest, elector: Any) -> None:
    client = signed_in(elector, enforce_csrf_checks=True)
    page = client.post(reverse("ballot", args=[poll.pk]), {**ranks(poll, A="1"), "step": "confirm"})
    assert page.status_code == 403
    assert nothing_stored(poll)


def test_second_cast_from_a_stale_tab_says_already_voted(poll: Contest, elector: Any) -> None:
    client = signed_in(elector)
    cast(client, poll, A="1")
    page = client.post(reverse("ballot", args=[poll.pk]), {**ranks(poll, B="1"), "step": "confirm"})
    assert page.status_code == 409
    assert "already voted" in page.content.decode()
    assert len(box_ballots(poll)) == 1


def test_change_with_a_wrong_receipt_says_it_cannot_be_changed(poll: Contest, elector: Any) -> None:
    client = signed_in(elector)
    cast(client, poll, A="1")
    url = reverse("ballot", args=[poll.pk])
    for receipt, message in [
        ("AAAAA-BBBBB-CCCCC-DDDDD", "without it your vote cannot be changed"),
        ("not a receipt", "not a receipt code"),
    ]:
        for step in ("review", "confirm"):
            page = client.post(url, {**ranks(poll, B="1"), "receipt": receipt, "step": step})
            assert page.status_code == 400
            assert message in page.content.decode()
    assert only_ballot(poll).ranks == {option_keys(poll)["Ada Lovelace"]: 1}


def test_database_failure_while_casting_is_a_503_without_a_receipt(
    poll: Contest, elector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from elections.voting import views

    def fail(**kwargs: Any) -> str:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "ballot_cast", fail)
    page = signed_in(elector).post(
        reverse("ballot", args=[poll.pk]), {**ranks(poll, A="1"), "step": "confirm"}
    )
    assert page.status_code == 503
    assert "not recorded" in page.content.decode()
    assert not RECEIPT.search(page.content.decode())


def test_turnout_is_public_and_counts_only(poll: Contest, elector: Any) -> None:
    cast(signed_in(elector), poll, A="1")
    page = Client().get(reverse("turnout")).content.decode()
    assert poll.name in page
    assert elector.email not in page and "Eve Elector" not in page


def test_officials_panel_shows_turnout_counts_and_no_ballots(
    poll: Contest, elector: Any, official: Any
) -> None:
    cast(signed_in(elector), poll, A="1")
    client = Client()
    client.force_login(official)
    page = client.get(reverse("admin:voting_turnoutrecord_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert poll.name in html and elector.email not in html
    index = client.get(reverse("admin:index")).content.decode()
    assert "Turnout" in index and "Ballots" not in index
    assert client.get(reverse("admin:index") + "voting/ballot/").status_code == 404


def test_vote_index_query_count_does_not_grow_with_contests(
    make_poll: Any, elector: Any, make_user: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    outsider = make_user("outsider@example.org")
    clients = {"elector": signed_in(elector), "outsider": signed_in(outsider)}
    counts: dict[str, list[int]] = {"elector": [], "outsider": []}
    for _ in range(3):
        make_poll(electors=[elector])
        for who, client in clients.items():
            with CaptureQueriesContext(connection) as queries:
                page = client.get(reverse("vote_index")).content.decode()
            counts[who].append(len(queries))
    assert page.count("Not on the electorate") == 3
    assert len(set(counts["elector"])) == 1 and len(set(counts["outsider"])) == 1, counts


def test_no_ballot_page_once_the_closing_time_has_passed(poll: Contest, elector: Any) -> None:
    """Even if the scheduler has not yet moved the phase, the calendar's close is the close."""
    import time_machine

    with time_machine.travel(poll.polling_closes_at, tick=False):
        client = signed_in(elector)
        page = client.get(reverse("ballot", args=[poll.pk]))
        assert page.status_code == 409 and "<select" not in page.content.decode()
        assert poll.name not in client.get(reverse("vote_index")).content.decode()


def test_receipts_and_ranks_are_never_logged(
    poll: Contest, elector: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    client = signed_in(elector)
    code = cast(client, poll, A="1", B="2")
    url = reverse("ballot", args=[poll.pk])
    changed = client.post(url, {**ranks(poll, C="1"), "receipt": code, "step": "confirm"})
    new_code = RECEIPT.search(changed.content.decode()).group(1)
    for secret in (code, new_code, receipt_hash(code), receipt_hash(new_code)):
        assert secret not in caplog.text
    assert "Carol Shaw" not in caplog.text


def test_an_unverified_address_on_the_roll_gives_no_ballot(make_poll: Any, make_user: Any) -> None:
    """Index and ballot page apply the same rule as accounts: verified addresses only."""
    from accounts.actions import voter_add

    voter_add(email="contrib@example.org", reason="Contributes under this address")
    contest = make_poll(electors=[])
    person = make_user("person@example.org", unverified=("contrib@example.org",))
    client = signed_in(person)
    assert "Not on the electorate" in client.get(reverse("vote_index")).content.decode()
    assert client.get(reverse("ballot", args=[contest.pk])).status_code == 403

    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(email="contrib@example.org").update(verified=True)
    assert "Not voted yet" in client.get(reverse("vote_index")).content.decode()
    assert client.get(reverse("ballot", args=[contest.pk])).status_code == 200


def test_ballot_and_receipt_posts_are_kept_out_of_error_reports(rf: Any, make_user: Any) -> None:
    """An error report (Django's exception reporter) never shows a voter's ranks or receipt
    beside their name: the views mark their POST data sensitive."""
    from django.views.debug import SafeExceptionReporterFilter

    from elections.voting import views

    voter = make_user("reported@example.org")
    for view, data in (
        (views.ballot, {"rank-candidacy-1": "1", "receipt": "secret-code"}),
        (views.receipt_check, {"receipt": "secret-code"}),
    ):
        request = rf.post("/", data)
        request.user = voter
        try:
            view(request, contest_id=999_999)
        except Exception:  # noqa: BLE001, S110 - only the marking matters here
            pass
        shown = SafeExceptionReporterFilter().get_post_parameters(request)
        assert "secret-code" not in str(dict(shown)), view
