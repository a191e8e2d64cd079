"""The OpenAPI 3.1 description of the read-only JSON API (``api.py``), written by hand."""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
_NULLABLE_INTEGER = {"type": ["integer", "null"]}
_DATETIME = {"type": "string", "format": "date-time"}
_URL = {"type": "string", "format": "uri"}
_NAMES = {"type": "array", "items": _STRING}
_MATRIX = {"type": "array", "items": {"type": "array", "items": _INTEGER}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# The answer to an outsider asking about an election whose officials keep its results for
# its electorate (the results page answers 403 too).
_REFUSED = {
    "description": "The election's results (and its turnout) are for its electorate only "
    "and the caller is not on one of its rolls (nor one of its officials).",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["detail"],
                "properties": {"detail": _STRING},
            }
        }
    },
}


def _get(
    summary: str,
    schema: dict[str, Any],
    *,
    parameters: list[str] = (),
    refuses_outsiders: bool = False,
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": schema}},
        },
    }
    if refuses_outsiders:
        responses["403"] = _REFUSED
    responses["404"] = {"description": "No such public election, contest or result."}
    return {
        "get": {
            "summary": summary,
            "parameters": [_ref_parameter(name) for name in parameters],
            "responses": responses,
        }
    }


def _ref_parameter(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


SCHEMAS: dict[str, Any] = {
    "ElectionSummary": {
        "type": "object",
        "required": ["slug", "name", "phase", "url"],
        "properties": {
            "slug": _STRING,
            "name": _STRING,
            "phase": {
                "type": "string",
                "enum": [
                    "nominations",
                    "campaigning",
                    "polling",
                    "closed",
                    "tallied",
                    "published",
                ],
            },
            "nominations_opens_at": _DATETIME,
            "nominations_closes_at": _DATETIME,
            "polling_opens_at": _DATETIME,
            "polling_closes_at": _DATETIME,
            "url": _URL,
            "html_url": _URL,
            "results_url": _URL,
        },
    },
    "ContestSummary": {
        "type": "object",
        "required": ["slug", "name", "kind", "seats", "method", "state", "url"],
        "properties": {
            "slug": _STRING,
            "name": _STRING,
            "kind": {"type": "string", "enum": ["ptl", "tc", "community"]},
            "seats": _INTEGER,
            "method": {"type": "string", "enum": ["schulze", "rankedpairs"]},
            "state": {
                "type": "string",
                "description": "pending, polling, acclaimed, appointment_needed, closed, "
                "tallied or published.",
            },
            "max_per_affiliation": _NULLABLE_INTEGER,
            "appointment": {
                "type": ["object", "null"],
                "description": "For a contest nobody stood in (appointment_needed): who was "
                "appointed, by whom (e.g. the Technical Committee), when, and a reference; "
                "null until an official records it.",
                "properties": {
                    "name": _STRING,
                    "appointed_by": _STRING,
                    "appointed_on": {"type": "string", "format": "date"},
                    "reference": _STRING,
                    "outcome": {"type": "string", "description": "appointed: <name> by <body>"},
                },
            },
            "tie_seed_sha256": {
                "type": "string",
                "description": "Commitment to the secret seed of the tie-breaking draw: hex "
                "SHA-256 of the seed's UTF-8 bytes, fixed when nominations open. The seed is "
                "revealed in the published result.",
            },
            "url": _URL,
        },
    },
    "Candidate": {
        "type": "object",
        "required": ["key", "name"],
        "properties": {
            "key": {"type": "string", "description": "candidacy-N or option-N"},
            "name": _STRING,
            "affiliation": _STRING,
        },
    },
    "Turnout": {
        "type": "object",
        "description": "Counts only: how many have voted out of how many may.",
        "required": ["contest", "ballots"],
        "properties": {
            "contest": _STRING,
            "ballots": _INTEGER,
            "electorate": _NULLABLE_INTEGER,
            "percent": {"type": ["number", "null"]},
        },
    },
    "Result": {
        "type": "object",
        "description": "A published result. The keys shared with `python -m elections."
        "condorcet tally --json` have the same meaning; input_sha256 is the sha256 of the "
        "published ballot CSV.",
        "required": [
            "election",
            "contest",
            "candidates",
            "ranking",
            "winners",
            "pairwise",
            "ballot_count",
            "input_sha256",
        ],
        "properties": {
            "election": _STRING,
            "contest": _STRING,
            "contest_name": _STRING,
            "candidates": _NAMES,
            "choices": {"type": "array", "items": _ref("Candidate")},
            "method": _STRING,
            "seats": _INTEGER,
            "ranking": {
                "type": "array",
                "items": _NAMES,
                "description": "Tied groups, best first.",
            },
            "winners": _NAMES,
            "pairwise": {
                **_MATRIX,
                "description": "pairwise[i][j]: ballots preferring candidates[i] to candidates[j].",
            },
            "strongest_paths": _MATRIX,
            "condorcet_winner": {"type": ["string", "null"]},
            "smith_set": _NAMES,
            "tie_seed": {
                "type": "string",
                "description": "The seed of the tie-breaking draw, revealed with the result: "
                "its SHA-256 is tie_seed_sha256, public since nominations opened.",
            },
            "tie_seed_sha256": _STRING,
            "tie_breaks": {"type": "array", "items": {}},
            "affiliation_adjustments": {"type": "array", "items": {}},
            "ballot_count": _INTEGER,
            "electorate_size": _NULLABLE_INTEGER,
            "turnout_percent": {"type": ["string", "null"], "description": "Decimal, 2 places."},
            "input_sha256": _STRING,
            "ballot_set_sha256": _STRING,
            "engine_version": _STRING,
            "audit_head": {
                "type": ["string", "null"],
                "description": "The audit log's head (the latest entry's sha256) when the "
                "result was published; an operator's `manage.py audit_verify --head` tells "
                "whether the log still holds the history it vouches for.",
            },
            "audit_position": {
                **_NULLABLE_INTEGER,
                "description": "How many audit entries led up to audit_head (1 = the first).",
            },
            "published_at": _DATETIME,
            "html_url": _URL,
            "files": {
                "type": "object",
                "properties": {
                    "ballots_csv": _URL,
                    "ballots_preflib": _URL,
                    "result_json": _URL,
                    "receipts": _URL,
                    "trackers": {
                        **_URL,
                        "description": "Only where the election publishes trackers.",
                    },
                },
            },
        },
    },
}

SCHEMAS["Election"] = {
    "allOf": [
        _ref("ElectionSummary"),
        {
            "type": "object",
            "properties": {
                "contests": {"type": "array", "items": _ref("ContestSummary")},
                "turnout_url": _URL,
            },
        },
    ]
}
SCHEMAS["Contest"] = {
    "allOf": [
        _ref("ContestSummary"),
        {
            "type": "object",
            "properties": {
                "election": _STRING,
                "candidates": {"type": "array", "items": _ref("Candidate")},
                "turnout": {"oneOf": [_ref("Turnout"), {"type": "null"}]},
                "result": {"oneOf": [_ref("Result"), {"type": "null"}]},
                "results_electorate_only": {
                    "type": "boolean",
                    "description": "Present (true) when the election's officials keep its "
                    "results for its electorate and the caller is not on a roll: the result "
                    "and the turnout are then null.",
                },
            },
        },
    ]
}

PARAMETERS: dict[str, Any] = {
    "election_slug": {
        "name": "election_slug",
        "in": "path",
        "required": True,
        "schema": _STRING,
    },
    "contest_slug": {
        "name": "contest_slug",
        "in": "path",
        "required": True,
        "schema": _STRING,
    },
    "election_filter": {
        "name": "election",
        "in": "query",
        "required": False,
        "schema": _STRING,
        "description": "Only the results of this election (its slug).",
    },
}


def openapi_document(*, server_url: str) -> dict[str, Any]:
    """The whole description; ``server_url`` is the absolute URL of ``/api``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "stackvote results API",
            "version": "1",
            "description": "Read-only: public elections, their contests and candidates, "
            "turnout (counts only) and published results. Unpublished results never appear.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/": _get("Links to the collections", {"type": "object"}),
            "/elections/": _get(
                "Public elections",
                {
                    "type": "object",
                    "properties": {
                        "elections": {"type": "array", "items": _ref("ElectionSummary")}
                    },
                },
            ),
            "/elections/{election_slug}/": _get(
                "One election with its contests", _ref("Election"), parameters=["election_slug"]
            ),
            "/elections/{election_slug}/turnout/": _get(
                "Turnout of each contest and of the election",
                {
                    "type": "object",
                    "properties": {
                        "election": _STRING,
                        "contests": {"type": "array", "items": _ref("Turnout")},
                        "ballots": _INTEGER,
                        "electorate": _NULLABLE_INTEGER,
                        "voters": _INTEGER,
                        "percent": {"type": ["number", "null"]},
                    },
                },
                parameters=["election_slug"],
                refuses_outsiders=True,
            ),
            "/elections/{election_slug}/{contest_slug}/": _get(
                "One contest: candidates, turnout and its published result (or null)",
                _ref("Contest"),
                parameters=["election_slug", "contest_slug"],
            ),
            "/results/": _get(
                "Published results, most recent first",
                {
                    "type": "object",
                    "properties": {"results": {"type": "array", "items": _ref("Result")}},
                },
                parameters=["election_filter"],
                refuses_outsiders=True,
            ),
            "/openapi.json": _get("This description", {"type": "object"}),
        },
        "components": {"schemas": SCHEMAS, "parameters": PARAMETERS},
    }
