"""Who may open what: one row per URL pattern of the project, found by walking the resolver.

A pattern added later without a row here fails ``test_every_url_pattern_has_a_row``, so no
view reaches production without someone deciding who may see it. Each row gives the expected
answer per role: a status code, or a string, the start of the redirect's ``Location``
(``LOGIN`` = sign in first). Admin patterns are covered by one rule (every one of them sends
anonymous visitors to sign in and answers 403 to signed-in non-officials) plus a sample of
changelists and actions.

Every POST without a CSRF token is refused with 403 and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.builders import World
from tests.security.conftest import ROLES
from tests.security.urlwalk import Route, all_routes

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/?next="
ADMIN_LOGIN = "/admin/login/?next="
Expect = int | str


def everyone(expected: Expect = 200) -> dict[str, Expect]:
    return dict.fromkeys(ROLES, expected)


def signed_in(expected: Expect = 200, anonymous: Expect = LOGIN) -> dict[str, Expect]:
    return {**dict.fromkeys(ROLES, expected), "anonymous": anonymous}


def signed_out(expected: Expect = 200, others: Expect = "/") -> dict[str, Expect]:
    return {**dict.fromkeys(ROLES, others), "anonymous": expected}


@dataclass(frozen=True)
class Row:
    expect: Mapping[str, Expect]
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda world: {})


def _published(world: World) -> dict[str, Any]:
    return {"election_slug": world.published_election.slug, "contest_slug": "ptl"}


def _polling(world: World) -> dict[str, Any]:
    return {"election_slug": world.polling_election.slug, "contest_slug": "ptl"}


def _officials(expected: Expect) -> dict[str, Expect]:
    return {**dict.fromkeys(ROLES, 403), "anonymous": ADMIN_LOGIN, "official": expected}


# Every non-admin pattern, by name (or by route when it has none). The world is described in
# tests/builders.py: "elector" and "candidate" are on the rolls, "non_elector" contributed
# nothing, "official" runs the elections (and so is on no roll).
ACCESS: dict[str, Row] = {
    # Public pages.
    "home": Row(everyone()),
    "health": Row(everyone()),
    "health_web": Row(everyone()),
    "election_list": Row(everyone()),
    "election_detail": Row(everyone(), lambda w: {"slug": w.polling_election.slug}),
    "contest_detail": Row(everyone(), _polling),
    "turnout": Row(everyone()),
    "receipt_check": Row(everyone(), lambda w: {"contest_id": w.published_contest.pk}),
    "receipt_hashes": Row(everyone(), lambda w: {"contest_id": w.published_contest.pk}),
    "results_index": Row(everyone()),
    "results_feed_rss": Row(everyone()),
    "results_feed_atom": Row(everyone()),
    "results_election": Row(everyone(), lambda w: {"slug": w.published_election.slug}),
    "results_election_feed_rss": Row(everyone(), lambda w: {"slug": w.published_election.slug}),
    "results_election_feed_atom": Row(everyone(), lambda w: {"slug": w.published_election.slug}),
    "results_contest": Row(everyone(), _published),
    "results_file": Row(everyone(), lambda w: {**_published(w), "kind": "ballots_csv"}),
    "results_team_history": Row(everyone(), lambda w: {"team_slug": w.team.slug}),
    "api_index": Row(everyone()),
    "api_openapi": Row(everyone()),
    "api_elections": Row(everyone()),
    "api_election": Row(everyone(), lambda w: {"slug": w.published_election.slug}),
    "api_election_turnout": Row(everyone(), lambda w: {"slug": w.polling_election.slug}),
    "api_contest": Row(everyone(), _published),
    "api_results": Row(everyone()),
    # Signed-in pages about oneself.
    "profile": Row(signed_in()),
    "eligibility": Row(signed_in()),
    "vote_index": Row(signed_in()),
    "my_candidacies": Row(signed_in()),
    # The stand page explains a refusal on GET; the POST table checks who may submit.
    "candidacy_submit": Row(
        signed_in(),
        lambda w: {"election_slug": w.nominations_election.slug, "contest_slug": "ptl"},
    ),
    # Only the candidate finds their candidacy; for anybody else it does not exist.
    "candidacy_edit": Row(
        {**signed_in(404), "candidate": 200}, lambda w: {"pk": w.own_candidacy.pk}
    ),
    "candidacy_withdraw": Row(signed_in(405), lambda w: {"pk": w.own_candidacy.pk}),
    # A ballot only for those on the contest's roll (officials run it and are on none).
    "ballot": Row(
        {"anonymous": LOGIN, "elector": 200, "candidate": 200, "non_elector": 403, "official": 403},
        lambda w: {"contest_id": w.polling_contest.pk},
    ),
    # The officials' dashboard of an election (elections/results/dashboard_urls.py): behind
    # the panel's door (anonymous: its sign-in; others: 403), for the election's officials.
    # Its buttons take POST only (GET: 405 for the official).
    "officials_dashboard": Row(_officials(200), lambda w: {"slug": w.polling_election.slug}),
    # Importing an election from configuration.yaml: any member of the officials' group.
    "officials_import": Row(_officials(200)),
    "officials_phase_move": Row(_officials(405), lambda w: {"slug": w.polling_election.slug}),
    "officials_mail_retry": Row(_officials(405), lambda w: {"slug": w.polling_election.slug}),
    "officials_candidacy_review": Row(
        _officials(405),
        lambda w: {"slug": w.nominations_election.slug, "pk": w.own_candidacy.pk},
    ),
    "officials_contest_count": Row(
        _officials(405), lambda w: {"slug": w.polling_election.slug, "pk": w.polling_contest.pk}
    ),
    "officials_result_publish": Row(
        _officials(405), lambda w: {"slug": w.published_election.slug, "pk": w.result.pk}
    ),
    "officials_result_unpublish": Row(
        _officials(405), lambda w: {"slug": w.published_election.slug, "pk": w.result.pk}
    ),
    "officials_exception_decide": Row(
        _officials(405), lambda w: {"slug": w.nominations_election.slug, "pk": 1}
    ),
    # Asking to be added to a contest's roll: any signed-in person.
    "exception_request": Row(
        signed_in(),
        lambda w: {"election_slug": w.nominations_election.slug, "contest_slug": "ptl"},
    ),
    "officials_notice": Row(
        _officials(200), lambda w: {"slug": w.polling_election.slug, "kind": "polling_open"}
    ),
    "officials_announcement": Row(
        _officials(200), lambda w: {"slug": w.polling_election.slug, "kind": "polling_last_days"}
    ),
    "officials_contest_voters": Row(
        _officials(200), lambda w: {"slug": w.polling_election.slug, "pk": w.polling_contest.pk}
    ),
    # An invitation's one-step link and the opt-out link: the signed token is the credential,
    # whoever holds it; a made-up one is refused for everyone (tests/elections/
    # test_invitations.py follows real ones).
    "invitation": Row(everyone(410), lambda w: {"token": "made-up"}),
    "election_opt_out": Row(everyone(410), lambda w: {"token": "made-up"}),
    # allauth: sign-in, sign-up, addresses, passwords, two-factor, third-party providers.
    "account_login": Row(signed_out()),
    "account_signup": Row(signed_out()),
    "account_logout": Row(signed_in(anonymous="/")),
    "account_inactive": Row(everyone()),
    "account_reauthenticate": Row(signed_in()),
    # Re-authentication by a code mailed to one of the account's verified addresses (settings:
    # ACCOUNT_REAUTHENTICATION_METHODS): what people who sign in through GitHub, GitLab or SSO
    # (no password) use before changing addresses or second factors. Only for the signed-in
    # person; confirming before a code was requested sends them to request one.
    "account_request_reauthentication_code": Row(signed_in()),
    "account_confirm_reauthentication_code": Row(signed_in("/accounts/reauthenticate/code/")),
    "account_email": Row(signed_in()),
    "account_email_verification_sent": Row(everyone()),
    "account_change_password": Row(signed_in()),
    "account_set_password": Row(signed_in("/accounts/password/change/")),
    "account_reset_password": Row(everyone()),
    "account_reset_password_done": Row(everyone()),
    "account_reset_password_from_key_done": Row(everyone()),
    "account_confirm_login_code": Row(signed_out("/accounts/login/")),
    # A bad key shows allauth's "this link is invalid" page.
    "account_confirm_email": Row(everyone(), lambda w: {"key": "not-a-key"}),
    "account_reset_password_from_key": Row(
        everyone(200), lambda w: {"uidb36": "zz", "key": "not-a-key"}
    ),
    "mfa_index": Row(signed_in()),
    "mfa_authenticate": Row(signed_out("/accounts/login/")),
    # The official has an authenticator app and recovery codes (officials must: see
    # accounts/two_factor.py); the others have none.
    "mfa_reauthenticate": Row({**signed_in("/accounts/reauthenticate/"), "official": 200}),
    "mfa_activate_totp": Row(signed_in("/accounts/reauthenticate/")),
    "mfa_deactivate_totp": Row({**signed_in(404), "official": "/accounts/reauthenticate/"}),
    "mfa_view_recovery_codes": Row({**signed_in(404), "official": "/accounts/reauthenticate/"}),
    "mfa_generate_recovery_codes": Row(signed_in("/accounts/reauthenticate/")),
    "mfa_download_recovery_codes": Row({**signed_in(404), "official": "/accounts/reauthenticate/"}),
    "socialaccount_login_cancelled": Row(everyone()),
    "socialaccount_login_error": Row(everyone(401)),
    "socialaccount_signup": Row(everyone("/accounts/login/")),
    "socialaccount_connections": Row(signed_in()),
    "accounts/social/login/cancelled/": Row(everyone("/accounts/3rdparty/login/cancelled/")),
    "accounts/social/login/error/": Row(everyone("/accounts/3rdparty/login/error/")),
    "accounts/social/signup/": Row(everyone("/accounts/3rdparty/signup/")),
    "accounts/social/connections/": Row(everyone("/accounts/3rdparty/")),
    # Providers whose client id and secret are not configured (none are in tests): 404.
    "github_login": Row(everyone(404)),
    "github_callback": Row(everyone(404)),
    "gitlab_login": Row(everyone(404)),
    "gitlab_callback": Row(everyone(404)),
    "openid_connect_login": Row(everyone(404), lambda w: {"provider_id": "sso"}),
    "openid_connect_callback": Row(everyone(404), lambda w: {"provider_id": "sso"}),
}

# The officials' panel (config/admin_site.py): anonymous visitors are sent to its sign-in,
# which is allauth's; signed-in people who are not officials get 403 on every admin page.
ADMIN_ANONYMOUS: dict[str, Expect] = {"admin:login": LOGIN, "admin:logout": "/admin/"}
ADMIN_SAMPLE_CHANGELISTS = (
    "admin:elections_election_changelist",
    "admin:elections_contest_changelist",
    "admin:elections_candidacy_changelist",
    "admin:audit_auditentry_changelist",
    "admin:elections_notification_changelist",
    "admin:accounts_team_changelist",
    "admin:accounts_contribution_changelist",
    "admin:accounts_roll_changelist",
    "admin:accounts_extravoter_changelist",
    "admin:accounts_ingestrun_changelist",
    "admin:voting_turnoutrecord_changelist",
    "admin:results_result_changelist",
    "admin:results_tallyrun_changelist",
)
NON_OFFICIALS = ("anonymous", "elector", "non_elector", "candidate")


def _client(world: World, role: str, **options: Any) -> Client:
    client = Client(**options)
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


def _url(world: World, route: Route) -> str:
    if route.name == route.route:  # an unnamed pattern: its route is a plain path
        return "/" + route.route
    return reverse(route.name, kwargs=ACCESS[route.name].kwargs(world))


def _sample_path(route: Route) -> str:
    """A concrete path for an admin route: ids and names filled with harmless values."""
    fillers = {"app_label": "elections", "url": "no-such-page/", "content_type_id": "1"}

    def fill(match: re.Match[str]) -> str:
        return fillers.get(match.group("name"), "1")

    path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, route.route)
    path = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", fill, path)
    return "/" + path.replace("^", "").replace("$", "")


def _verdict(response: Any, expected: Expect) -> str:
    """Empty when ``response`` is what was expected, else what it was."""
    location = response.get("Location", "")
    if isinstance(expected, int):
        return "" if response.status_code == expected else f"{response.status_code} {location}"
    if response.status_code in (301, 302) and location.startswith(expected):
        return ""
    return f"{response.status_code} {location}"


def test_every_url_pattern_has_a_row() -> None:
    """A new view must be given its access rules here before it can ship."""
    missing = [
        route.name for route in all_routes() if not route.is_admin and route.name not in ACCESS
    ]
    assert not missing, "\n".join(f"add {name} to the access table" for name in missing)
    stale = set(ACCESS) - {route.name for route in all_routes()}
    assert not stale, f"rows for patterns that no longer exist: {sorted(stale)}"


def test_every_role_gets_the_expected_answer_on_every_page(world: World, settings: Any) -> None:
    # The health check would otherwise wait a second for a Celery worker to answer.
    settings.REDIS_URL = ""
    clients = {role: _client(world, role) for role in ROLES}
    wrong = []
    for route in all_routes():
        if route.is_admin:
            continue
        url = _url(world, route)
        for role in ROLES:
            got = _verdict(clients[role].get(url), ACCESS[route.name].expect[role])
            if got:
                wrong.append(
                    f"{route.name} {url} as {role}: expected "
                    f"{ACCESS[route.name].expect[role]}, got {got}"
                )
    assert not wrong, "\n".join(wrong)


def test_every_admin_page_refuses_non_officials(world: World) -> None:
    wrong = []
    for role in NON_OFFICIALS:
        client = _client(world, role)
        for route in all_routes():
            if not route.is_admin:
                continue
            path = _sample_path(route)
            expected: Expect = (
                ADMIN_ANONYMOUS.get(route.name, ADMIN_LOGIN) if role == "anonymous" else 403
            )
            got = _verdict(client.get(path), expected)
            if got:
                wrong.append(f"{route.name} {path} as {role}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


# Pages of the panel a staff account without any permission may open: nothing of the data.
STAFF_OPEN = {"admin:index", "admin:password_change", "admin:password_change_done", "admin:jsi18n"}


def test_staff_who_are_not_officials_see_no_admin_data(world: World, make_user: Any) -> None:
    """``is_staff`` alone opens the admin's door but no page of the elections behind it:
    every admin pattern is refused (403), or, for an object that does not exist, sent back
    to the panel, never shown."""
    client = Client(raise_request_exception=False)
    client.force_login(make_user("staff@example.org", is_staff=True))
    wrong = []
    for route in all_routes():
        if not route.is_admin or route.name in STAFF_OPEN:
            continue
        response = client.get(_sample_path(route))
        refused = response.status_code in (403, 404, 405) or (
            response.status_code == 302 and response["Location"].startswith("/admin/")
        )
        if not refused:
            wrong.append(f"{route.name}: {response.status_code}")
    for name in ADMIN_SAMPLE_CHANGELISTS:
        if client.get(reverse(name)).status_code != 403:
            wrong.append(f"{name}: not 403")
    assert not wrong, "\n".join(wrong)
    official = _client(world, "official")
    assert [
        name for name in ADMIN_SAMPLE_CHANGELISTS if official.get(reverse(name)).status_code != 200
    ] == []


def _state() -> tuple[Any, ...]:
    """What a refused request must leave untouched."""
    from audit.models import AuditEntry
    from elections.models import Candidacy
    from elections.voting.models import SealedBlock, VoterRecord

    return (
        AuditEntry.objects.count(),
        SealedBlock.objects.count(),
        VoterRecord.objects.count(),
        sorted(Candidacy.objects.values_list("pk", "state", "platform", "affiliation")),
    )


def test_admin_actions_refuse_non_officials(world: World, make_user: Any) -> None:
    """Bulk review is for officials: others are sent to sign in, or refused."""
    from elections.models import Candidacy

    url = reverse("admin:elections_candidacy_changelist")
    pending = Candidacy.objects.get(pk=world.own_candidacy.pk)
    post = {"action": "approve_selected", "_selected_action": [pending.pk], "index": 0}
    before = _state()
    for role in NON_OFFICIALS:
        response = _client(world, role).post(url, post)
        assert _verdict(response, ADMIN_LOGIN if role == "anonymous" else 403) == "", role
    staff = Client()
    staff.force_login(make_user("staff@example.org", is_staff=True))
    assert staff.post(url, post).status_code == 403
    assert _state() == before
    # The same request from an official does approve: the refusals were about the role.
    _client(world, "official").post(url, post)
    pending.refresh_from_db()
    assert pending.state == "approved"


# State-changing requests, with a valid CSRF token, in the order the roles try them: the
# refusals first, then the one person who may.
POST_ORDER = ("anonymous", "non_elector", "official", "elector", "candidate")


def _ballot_post(world: World) -> dict[str, Any]:
    keys = [choice.key for choice in world.polling_contest.ballot_choices()]
    return {"step": "confirm", f"rank-{keys[0]}": "1", f"rank-{keys[1]}": "2"}


POSTS: list[
    tuple[
        str, Callable[[World], dict[str, Any]], Callable[[World], dict[str, Any]], dict[str, Expect]
    ]
] = [
    (
        "candidacy_edit",
        lambda w: {"pk": w.own_candidacy.pk},
        lambda w: {"platform": "Taken over", "affiliation": "Evil"},
        {**signed_in(404), "candidate": "/elections/"},
    ),
    (
        "candidacy_submit",
        lambda w: {"election_slug": w.nominations_election.slug, "contest_slug": "ptl"},
        lambda w: {"platform": "Me too", "affiliation": ""},
        # Neither contributed (non-elector) nor allowed (the official runs the election);
        # the elector may stand; the candidate already stands (a form error).
        {
            "anonymous": LOGIN,
            "non_elector": 403,
            "official": 403,
            "elector": "/elections/",
            "candidate": 200,
        },
    ),
    (
        "ballot",
        lambda w: {"contest_id": w.polling_contest.pk},
        _ballot_post,
        {"anonymous": LOGIN, "non_elector": 403, "official": 403, "elector": 200, "candidate": 200},
    ),
    (
        "receipt_check",
        lambda w: {"contest_id": w.polling_contest.pk},
        lambda w: {"receipt": "AAAAA-AAAAA-AAAAA-AAAAA"},
        # Receipts can be checked only after the close.
        everyone(409),
    ),
    (
        "candidacy_withdraw",
        lambda w: {"pk": w.own_candidacy.pk},
        lambda w: {},
        {**signed_in(404), "candidate": "/elections/"},
    ),
]


def test_state_changing_posts_are_refused_to_everyone_but_the_right_person(
    world: World,
) -> None:
    wrong = []
    for name, kwargs, data, expect in POSTS:
        url = reverse(name, kwargs=kwargs(world))
        for role in POST_ORDER:
            before = _state()
            response = _client(world, role).post(url, data(world))
            got = _verdict(response, expect[role])
            if got:
                wrong.append(f"POST {name} as {role}: expected {expect[role]}, got {got}")
            refused = response.status_code >= 400 or str(expect[role]).startswith(LOGIN)
            if refused and _state() != before:
                wrong.append(f"POST {name} as {role} was refused but changed the data")
    assert not wrong, "\n".join(wrong)
    assert world.own_candidacy.__class__.objects.get(pk=world.own_candidacy.pk).state == (
        "withdrawn"
    )


def test_a_post_without_csrf_token_is_refused_everywhere(world: World) -> None:
    """Every pattern, admin included: a cross-site form can neither vote, stand, withdraw,
    sign in or out, nor press an admin button."""
    before = _state()
    wrong = []
    for role in ("anonymous", "candidate", "official"):
        client = _client(world, role, enforce_csrf_checks=True)
        for route in all_routes():
            url = _sample_path(route) if route.is_admin else _url(world, route)
            data = _ballot_post(world) if route.name == "ballot" else {"platform": "x"}
            response = client.post(url, data)
            if response.status_code != 403:
                wrong.append(f"POST {route.name} {url} as {role}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert _state() == before


def test_an_unconfigured_sign_in_provider_is_404_not_500(client: Client) -> None:
    """Regression: /accounts/github/login/ raised SocialApp.DoesNotExist (a 500) when GitHub
    sign-in was not configured."""
    for name in ("github_login", "gitlab_callback"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get(reverse("openid_connect_login", args=["sso"])).status_code == 404


def test_a_link_cannot_sign_anyone_out(world: World) -> None:
    """Signing out needs a POST with the CSRF token: an <img src=/accounts/logout/> on another
    site does nothing."""
    client = _client(world, "elector", enforce_csrf_checks=True)
    client.get(reverse("account_logout"))
    assert client.get(reverse("vote_index")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 403
    assert client.get(reverse("vote_index")).status_code == 200
