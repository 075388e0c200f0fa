"""Hypothesis: for every ordering family, on generated versions, the order is total, antisymmetric and
transitive, `compare` agrees with `sort_key`, and keys that compare equal hash equal."""

from __future__ import annotations

import functools

from hypothesis import given, settings
from hypothesis import strategies as st

from patchbook.versions import InvalidVersion, compare, sort_key
from patchbook.versions.apk import parse as apk_parse

# One representative ecosystem per ordering family.
ECOSYSTEMS = [
    "PyPI",
    "npm",
    "NuGet",
    "Pub",
    "Hackage",
    "CRAN",
    "Maven",
    "RubyGems",
    "Packagist",
    "Debian",
    "Alpine",
    "Red Hat",
]

_num = st.integers(min_value=0, max_value=30).map(str) | st.sampled_from(["0", "00", "01", "10", "999"])
_word = st.sampled_from(
    [
        "a",
        "b",
        "rc",
        "alpha",
        "beta",
        "pre",
        "dev",
        "post",
        "final",
        "ga",
        "sp",
        "snapshot",
        "p",
        "pl",
        "cvs",
        "git",
        "r",
        "x",
        "foo",
        "RC",
        "Beta",
    ]
)
_sep = st.sampled_from([".", ".", ".", "-", "_", "+", "~", "^", ":", ""])


@st.composite
def versions(draw: st.DrawFn) -> str:
    """Version-like strings: mostly numbers and dots, with qualifiers and odd separators mixed in."""
    parts = [draw(_num)]
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        parts.append(draw(_sep))
        parts.append(draw(_num | _word))
    return "".join(parts)


def _key(ecosystem: str, version: str) -> object | None:
    try:
        return sort_key(ecosystem, version)
    except InvalidVersion:
        return None


def _three(ecosystem: str) -> st.SearchStrategy[list[str]]:
    return st.lists(versions(), min_size=3, max_size=3)


# Orderings that are total orders on everything they accept. Packagist (PHP version_compare) and apk's
# invalid-version fallback are not transitive on arbitrary garbage (e.g. PHP's "#" rule), exactly like
# the native tools; for those the property runs on well-formed versions only.
_STRICT = [e for e in ECOSYSTEMS if e not in ("Packagist", "Alpine")]

_wellformed = st.builds(
    lambda nums, suffix, rev: ".".join(nums) + suffix + rev,
    st.lists(st.integers(min_value=0, max_value=20).map(str), min_size=1, max_size=4),
    st.sampled_from(["", "a1", "b2", "rc1", "-dev", "-alpha", "_rc1", "_p2", "pl1", "-beta2", "_alpha"]),
    st.sampled_from(["", "-r1", "-r0", "-r12"]),
)


def _check_order(ecosystem: str, vs: list[str]) -> None:
    keys = [(_key(ecosystem, v), v) for v in vs]
    vals = [(k, v) for k, v in keys if k is not None]
    for ka, a in vals:
        for kb, b in vals:
            c = compare(ecosystem, a, b)
            assert c in (-1, 0, 1)
            assert c == -compare(ecosystem, b, a), (a, b)  # antisymmetric
            assert (ka < kb) == (c < 0) and (ka == kb) == (c == 0), (a, b)  # type: ignore[operator]
            if c == 0:
                assert hash(ka) == hash(kb), (a, b)
    # transitivity via a sort: every adjacent pair of a sorted list is ordered, and so is the whole
    ordered = sorted(vals, key=functools.cmp_to_key(lambda x, y: compare(ecosystem, x[1], y[1])))
    for i in range(len(ordered)):
        for j in range(i + 1, len(ordered)):
            assert compare(ecosystem, ordered[i][1], ordered[j][1]) <= 0, (ordered[i][1], ordered[j][1])


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_STRICT), st.lists(versions(), min_size=3, max_size=4))
def test_total_order_on_generated_versions(ecosystem: str, vs: list[str]) -> None:
    _check_order(ecosystem, vs)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ECOSYSTEMS), st.lists(_wellformed, min_size=3, max_size=4))
def test_total_order_on_wellformed_versions(ecosystem: str, vs: list[str]) -> None:
    if ecosystem == "Alpine":
        # apk orders strings it cannot parse by plain text, which is not transitive against valid ones
        vs = [v for v in vs if not apk_parse(v).invalid]
    _check_order(ecosystem, vs)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(ECOSYSTEMS), versions())
def test_reflexive_and_cached(ecosystem: str, v: str) -> None:
    k = _key(ecosystem, v)
    if k is None:
        return
    assert compare(ecosystem, v, v) == 0
    assert sort_key(ecosystem, v) is k  # served from the cache
