"""Hypothesis strategies for junk shaped like the inputs stackvote reads: governance YAML,
Gerrit JSON lines, and the settings the security fuzz tests share."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Fast enough that every fuzz test of tests/security runs in seconds (issue 8).
FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Text without lone surrogates (they cannot be encoded to a file or a request at all).
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=10**18, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["0", "-1", "1e999", "nan", "9" * 5000, "", " 1 "]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text, st.dates())


# Governance YAML.
yaml_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)
repo_names = st.one_of(st.just("openstack/nova"), text)
# Shaped like the real files, with junk where values go.
project_teams = st.dictionaries(
    text,
    st.fixed_dictionaries(
        {
            "ptl": st.one_of(yaml_values, st.fixed_dictionaries({"name": scalars, "email": text})),
            "deliverables": st.dictionaries(
                text,
                st.fixed_dictionaries({"repos": st.lists(repo_names, max_size=3)}),
                max_size=3,
            ),
        },
        optional={"leadership_type": scalars, "retired-on": scalars, "partial": scalars},
    ),
    max_size=3,
)
owner_lists = st.dictionaries(
    text,
    st.lists(
        st.fixed_dictionaries(
            {"repo": repo_names},
            optional={
                "extra-acs": st.lists(
                    st.fixed_dictionaries(
                        {"email": scalars, "expires-in": scalars},
                        optional={"name": scalars, "comment": scalars},
                    ),
                    max_size=2,
                )
            },
        ),
        max_size=3,
    ),
    max_size=3,
)
# YAML that only a hand-written file contains: tags, anchors, impossible dates, merges.
YAML_TRICKS = [
    "nova: !!python/object:os.system {}\n",
    "nova:\n  ptl: !!binary not-base64\n  deliverables: {}\n",
    "nova:\n  ptl: !!int twelve\n  deliverables: {}\n",
    "nova:\n  retired-on: 2024-13-45\n  deliverables: {}\n",
    "nova:\n  retired-on: !!timestamp yesterday\n  deliverables: {}\n",
    "nova:\n  ptl: !!float one\n  deliverables: {}\n",
    "a: &x [1, *x]\n",
    "<<: {a: 1}\n",
    "nova: {<<: [1, 2]}\n",
    "nova:\n  ptl: !unknown tag\n  deliverables: {}\n",
    "nova:\n  - repo: openstack/nova\n    extra-acs:\n      - email: a@b.c\n"
    "        expires-in: !!str\n",
    "nova:\n  - repo: !!set {openstack/nova}\n",
    "? [complex, key]\n: 1\n",
    "--- a\n--- b\n",
    "\ufeffnova: 1\n",
    "\x00",
]

# Gerrit JSON lines.
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers.filter(lambda n: not isinstance(n, str)), text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=15,
)
accounts = st.one_of(json_values, st.fixed_dictionaries({"name": json_values, "email": text}))
approvals = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["Code-Review", "Workflow", "SUBM", "Verified"]) | text},
        optional={"value": json_values | numbers, "grantedOn": numbers, "by": accounts},
    ),
    max_size=3,
)
changes = st.fixed_dictionaries(
    {"project": st.one_of(st.just("openstack/nova"), text, json_values)},
    optional={
        "number": numbers,
        "status": st.sampled_from(["MERGED", "NEW"]) | text,
        "type": st.sampled_from(["stats", "error"]) | text,
        "lastUpdated": numbers,
        "id": json_values,
        "owner": accounts,
        "patchSets": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "number": numbers,
                    "revision": st.one_of(st.just("a" * 40), text, json_values),
                    "uploader": accounts,
                    "approvals": approvals,
                },
            ),
            max_size=3,
        )
        | json_values,
        "currentPatchSet": json_values,
    },
)
