"""Forms under fuzzing (hypothesis): arbitrary field names and values, fields sent twice, huge
values, any Unicode. The ballot and the candidacy forms answer with a page that says what is
wrong (a 4xx with a message, or the form with its errors), never a 500, and store nothing
unless they say they did.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.builders import World
from tests.security.strategies import FUZZ, text
from tests.security.test_xss import dangers_in_html

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
HUGE = "9" * 100_000
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "1",
            "2",
            "3",
            "4",
            "0",
            "-1",
            "+1",
            "1.0",
            "1e3",
            " 2 ",
            "\uff11",
            "\u0663",
            "\x00",
            "999999",
            "9" * 7,
            HUGE,
            "confirm",
            "review",
            "edit",
            "<script>",
        ]
    ),
    text,
)
STEPS = st.sampled_from(["confirm", "review", "edit", "", "CONFIRM"]) | text


def _post(client: Client, url: str, pairs: list[tuple[str, str]]) -> Any:
    """POST exactly these fields, in this order, duplicates included."""
    return client.post(url, urlencode(pairs), content_type=FORM)


def _says_why(response: Any) -> bool:
    body = response.content.decode()
    # A refusal notice, a form error, or the site's 400 page (a request Django itself
    # refuses, e.g. more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields).
    return any(sign in body for sign in ('role="alert"', "errorlist", "could not be understood"))


# --- The ballot -----------------------------------------------------------------------


@st.composite
def ballot_posts(draw: Any, keys: list[str]) -> list[tuple[str, str]]:
    """A valid ballot, then damaged: fields dropped, sent twice, renamed, junk added."""
    names = [f"rank-{key}" for key in keys]
    pairs = [(name, str(draw(st.integers(1, len(keys))))) for name in names]
    pairs.append(("step", draw(STEPS)))
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["drop", "twice", "value", "junk", "receipt", "order"]))
        if action == "drop" and pairs:
            pairs.pop(draw(st.integers(0, len(pairs) - 1)))
        elif action == "twice" and pairs:
            pairs.append(pairs[draw(st.integers(0, len(pairs) - 1))])
        elif action == "value" and pairs:
            index = draw(st.integers(0, len(pairs) - 1))
            pairs[index] = (pairs[index][0], draw(VALUES))
        elif action == "junk":
            name = draw(st.sampled_from(["rank-", "rank-option-0", "rank-candidacy-1"]) | text)
            pairs.append((draw(st.sampled_from(["", "rank-"])) + name, draw(VALUES)))
        elif action == "receipt":
            pairs.append(("receipt", draw(VALUES | st.just("AAAAA-BBBBB-CCCCC-DDDDD"))))
        else:
            pairs.append(("order", ",".join(draw(st.permutations(keys))) + draw(VALUES)))
    return pairs


def _ballot_box(contest: Any) -> tuple[Any, ...]:
    from elections.voting.models import VoterRecord
    from tests.elections.voting.box import box_ballots

    return (
        sorted((ballot.lookup, sorted(ballot.ranks.items())) for ballot in box_ballots(contest)),
        VoterRecord.objects.filter(contest=contest).count(),
    )


@pytest.fixture
def crowd(make_poll: Any, make_user: Any) -> tuple[Any, list[Any]]:
    """A community vote with enough electors that each example can use one who has not
    voted yet (once a voter has cast, every further form asks for the receipt)."""
    electors = [make_user(f"elector{number}@example.org") for number in range(FUZZ_EXAMPLES)]
    return make_poll(electors=electors), electors


FUZZ_EXAMPLES = 90  # a little more than FUZZ.max_examples


@FUZZ
@given(data=st.data())
@example(data=None)
def test_the_ballot_form_refuses_junk_with_a_message_and_stores_nothing(
    crowd: tuple[Any, list[Any]], data: Any
) -> None:
    poll, electors = crowd
    client = Client()
    # A fresh elector while they last, then the last one again (who may have voted).
    client.force_login(electors.pop() if len(electors) > 1 else electors[0])
    url = reverse("ballot", args=[poll.pk])
    keys = sorted(choice.key for choice in poll.ballot_choices())
    if data is None:  # more fields than Django accepts in one request
        pairs = [(f"rank-{index}", "1") for index in range(1_100)]
    else:
        pairs = data.draw(ballot_posts(keys) | st.lists(st.tuples(text, VALUES), max_size=6))
    before = _ballot_box(poll)
    response = _post(client, url, pairs)
    event(f"ballot answered {response.status_code}")
    assert response.status_code in (200, 400, 403, 409), response.status_code
    after = _ballot_box(poll)
    if response.status_code == 200 and "Your receipt" in response.content.decode():
        assert after[1] == before[1] + 1, "a cast stores one voter record"
        new = [ballot for ballot in after[0] if ballot not in before[0]]
        assert len(new) == 1 and len(after[0]) == len(before[0]) + 1, "a cast stores one ballot"
        ranks = dict(new[0][1])
        assert set(ranks) <= set(keys) and ranks, ranks
        assert sorted(set(ranks.values())) == list(range(1, len(set(ranks.values())) + 1))
    else:
        assert after == before, "a ballot that was not confirmed changed the ballot box"
        if response.status_code >= 400:
            assert _says_why(response), response.content[:2000]


# --- Candidacies ----------------------------------------------------------------------


@st.composite
def candidacy_posts(draw: Any) -> list[tuple[str, str]]:
    platform = draw(
        st.sampled_from(
            [
                "I will lead.",
                "",
                "   ",
                "\x00",
                "x" * 20_001,
                "<script>alert(1)</script>",
                "[x](javascript:alert(1))",
            ]
        )
        | text
    )
    affiliation = draw(st.sampled_from(["", "ACME", "a" * 201, "\x00"]) | text)
    pairs = [("platform", platform), ("affiliation", affiliation)]
    for _ in range(draw(st.integers(0, 3))):
        pairs.append(draw(st.tuples(st.sampled_from(["platform", "affiliation"]) | text, VALUES)))
    return pairs


def _candidacies() -> list[Any]:
    from elections.models import Candidacy

    return sorted(
        Candidacy.objects.values_list("pk", "state", "platform", "platform_html", "affiliation")
    )


def _check_candidacy_answer(
    response: Any, pairs: list[tuple[str, str]], before: list[Any], candidacy_of: Any
) -> None:
    event(f"candidacy form answered {response.status_code}")
    assert response.status_code in (200, 302, 403), response.status_code
    if response.status_code == 302:
        # Django reads the last value of a field sent twice; the form strips it.
        sent = {name: value for name, value in pairs}
        stored = candidacy_of()
        assert stored.platform == sent["platform"].strip()
        assert stored.affiliation == sent.get("affiliation", "").strip()
        assert dangers_in_html(stored.platform_html) == []
    else:
        assert _candidacies() == before, "a refused candidacy form changed a candidacy"
        assert _says_why(response), response.content[:2000]


@FUZZ
@given(pairs=candidacy_posts())
def test_the_candidacy_forms_refuse_junk_with_a_message(
    world: World, pairs: list[tuple[str, str]]
) -> None:
    """Standing (the elector may stand in the nominations contest) and editing."""
    from elections.models import Candidacy

    elector, candidate = Client(), Client()
    elector.force_login(world.elector)
    candidate.force_login(world.candidate)
    stand = reverse("candidacy_submit", args=[world.nominations_election.slug, "ptl"])
    edit = reverse("candidacy_edit", args=[world.own_candidacy.pk])

    before = _candidacies()
    response = _post(elector, stand, pairs)
    _check_candidacy_answer(
        response,
        pairs,
        before,
        lambda: Candidacy.objects.get(
            candidate=world.elector,
            contest__slug="ptl",
            contest__election=world.nominations_election,
        ),
    )
    before = _candidacies()
    response = _post(candidate, edit, pairs)
    _check_candidacy_answer(
        response, pairs, before, lambda: Candidacy.objects.get(pk=world.own_candidacy.pk)
    )
