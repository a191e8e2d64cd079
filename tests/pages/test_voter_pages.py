"""Pages voters see look finished: names instead of addresses, styled account forms, a ballot
that shows platforms and says what is wrong, a home page that says how to vote."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from elections.markdown import render_markdown
from elections.models import Candidacy, Phase
from elections.results.scenarios import scenario_build

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unusual passphrase 42"


class _Ids(HTMLParser):
    """Every id on a page, and every id an aria-describedby names."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described_by: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name == "aria-describedby" and value:
                self.described_by.extend(value.split())


def _dangling_describedby(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return [ref for ref in parser.described_by if ref not in parser.ids]


def _sign_up(client: Client, **fields: str) -> Any:
    data = {"email": "new.voter@example.org", "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("account_signup"), {**data, **fields})


# --- Names -------------------------------------------------------------------------------


def test_sign_up_asks_for_a_name_first_and_stores_it(client: Client) -> None:
    page = client.get(reverse("account_signup")).content.decode()
    assert page.index('for="id_full_name"') < page.index('for="id_email"')
    assert "Your name" in page

    response = _sign_up(client, full_name="  Grace   Hopper ")
    assert response.status_code == 302
    user = User.objects.get(email="new.voter@example.org")
    assert user.full_name == "Grace Hopper"
    assert user.display_name == "Grace Hopper"


def test_sign_up_without_a_name_is_refused_with_a_message(client: Client) -> None:
    response = _sign_up(client, full_name=" ")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_full_name_error"' in page and 'aria-invalid="true"' in page
    assert not User.objects.exists()


def test_profile_changes_the_name_shown_in_the_header(client: Client, make_user: Any) -> None:
    user = make_user("jo@example.org")
    client.force_login(user)
    assert ">jo</a>" in client.get(reverse("profile")).content.decode()  # the local part

    response = client.post(reverse("profile"), {"full_name": "Jo March"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Jo March"
    assert ">Jo March</a>" in client.get(reverse("profile")).content.decode()

    refused = client.post(reverse("profile"), {"full_name": "jo@example.org"})
    assert refused.status_code == 400
    assert "not an e-mail address" in refused.content.decode()


def test_a_candidate_is_shown_by_name_on_the_ballot_and_contest_page(
    client: Client, official: Any
) -> None:
    scenario = scenario_build(official=official, slug="names", password=PASSWORD)
    voter = scenario.electors[-1]  # an elector who has not voted
    client.force_login(voter)
    ballot = client.get(reverse("ballot", args=[scenario.contest.pk])).content.decode()
    contest_page = client.get(scenario.contest.get_absolute_url()).content.decode()
    for name in ("Alice Able", "Bob Baker", "Carol Cook"):
        assert name in ballot and name in contest_page
    assert "candidate0@" not in ballot and "candidate0<" not in contest_page


# --- Account pages in the site's style ---------------------------------------------------


@pytest.mark.parametrize("name", ["account_signup", "account_login", "account_reset_password"])
def test_account_forms_have_labels_above_fields_and_no_stock_markup(
    client: Client, name: str
) -> None:
    page = client.get(reverse(name)).content.decode()
    assert 'class="site-form"' in page
    assert 'class="field' in page
    assert "<p><label" not in page  # Django's form.as_p
    assert 'class="skip-link"' in page  # the site's layout
    assert _dangling_describedby(page) == []


def test_email_and_two_factor_pages_use_the_site_forms(client: Client, make_user: Any) -> None:
    client.force_login(make_user("mfa@example.org"))
    for name in ("account_email", "mfa_activate_totp", "mfa_index"):
        response = client.get(reverse(name), follow=True)
        page = response.content.decode()
        assert response.status_code == 200, name
        assert 'class="site-header"' in page, name
        assert _dangling_describedby(page) == [], name
    # Setting up an authenticator app asks for the password again first.
    client.post(reverse("account_reauthenticate"), {"password": "correct horse battery staple"})
    totp = client.get(reverse("mfa_activate_totp")).content.decode()
    assert 'class="qr-code"' in totp and 'class="site-form"' in totp


# --- Candidacies -------------------------------------------------------------------------


def test_the_platform_preview_renders_markdown_and_saves_nothing(
    client: Client, official: Any
) -> None:
    scenario = scenario_build(
        official=official, slug="preview", phase=Phase.NOMINATIONS, candidates=("Ann Able",)
    )
    client.force_login(scenario.electors[0])
    url = reverse("candidacy_submit", args=[scenario.election.slug, scenario.contest.slug])
    page = client.get(url).content.decode()
    assert 'class="platform-input"' in page and 'rows="20"' in page

    before = Candidacy.objects.count()
    response = client.post(url, {"platform": "## My plan\n\n*Ship it*", "preview": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h2>My plan</h2>" in html and "<em>Ship it</em>" in html
    assert Candidacy.objects.count() == before
    assert "## My plan" in html  # the textarea keeps what was typed

    client.post(url, {"platform": "## My plan"})
    assert Candidacy.objects.count() == before + 1


def test_a_javascript_link_in_a_platform_is_plain_text_not_a_dead_link() -> None:
    html = render_markdown("[vote for me](javascript:alert(1)) or [read](https://example.org)")
    assert "javascript" not in html
    assert "vote for me" in html and "<a>" not in html and "<a rel" not in html
    assert '<a href="https://example.org"' in html


# --- The ballot --------------------------------------------------------------------------


def test_the_ballot_shows_each_candidates_platform_without_javascript(
    client: Client, official: Any
) -> None:
    scenario = scenario_build(official=official, slug="platforms")
    Candidacy.objects.filter(contest=scenario.contest).update(
        platform_html="<h1>Docs first</h1><p>Better docs.</p>"
    )
    client.force_login(scenario.electors[-1])
    page = client.get(reverse("ballot", args=[scenario.contest.pk])).content.decode()
    assert page.count('<details class="card platform-details"') == 3
    assert "<h1>Docs first</h1>" in page
    assert "The candidates' platforms" in page
    assert _dangling_describedby(page) == []


def test_an_acclaimed_contests_receipt_page_does_not_talk_about_polling(
    client: Client, official: Any
) -> None:
    scenario = scenario_build(official=official, slug="acclaim", candidates=("Solo Sam",))
    assert scenario.contest.state == "acclaimed"
    page = client.get(reverse("receipt_check", args=[scenario.contest.pk])).content.decode()
    assert "acclamation" in page
    assert "polling" not in page.split('id="main"')[1].lower()


# --- Home, layout, mail ------------------------------------------------------------------


def test_home_says_how_to_vote_and_advertises_the_feeds(client: Client, official: Any) -> None:
    scenario_build(official=official, slug="done", phase=Phase.PUBLISHED)
    page = client.get(reverse("home")).content.decode()
    assert "How to vote" in page and '<ol class="steps">' in page
    head = page.split("</head>")[0]
    assert 'rel="alternate" type="application/atom+xml"' in head
    assert 'rel="alternate" type="application/rss+xml"' in head
    body = page.split("</head>")[1]
    assert f'href="{reverse("results_feed_atom")}"' in body
    assert "Latest results" in page and "Election done" in page
    assert 'rel="icon"' in head and "favicon" in head


def test_the_favicon_is_served(client: Client) -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg")


@override_settings(STACKVOTE_SITE_URL="https://vote.example.org")
def test_the_confirmation_mail_links_to_the_sites_address(client: Client) -> None:
    _sign_up(client, full_name="Mail Reader")
    (message,) = mail.outbox
    assert "https://vote.example.org/accounts/confirm-email/" in message.body
