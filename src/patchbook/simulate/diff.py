"""Differential output check with noise cancelling (the Diffy scheme, written from its description).

Three instances answer the same requests: primary and secondary run the baseline build, the candidate
runs the new one. Each response is flattened into field paths (list positions folded to ``[]``, list
lengths as ``path#len``). Per request and path we count ``noise`` (primary != secondary) and ``raw``
(primary != candidate). Must-match paths (fills and their order) are compared exactly and never masked:
noise on them means the replay itself is non-deterministic. Other paths with noise are masked; a path is a
regression only if raw > noise and Diffy's relative and absolute thresholds are both exceeded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from patchbook.model.simulation import DiffReport, Example, FieldDiff

_MISSING = object()
SEQ = "seq"


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """``{"fills": [{"price": 1}]}`` -> ``{"fills#len": 1, "fills[0].price": 1}``."""
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not prefix and k == SEQ:
                continue
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list):
        out[f"{prefix}#len"] = len(obj)
        for i, v in enumerate(obj):
            out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = obj
    return out


def _pattern(path: str, cache: dict[str, str]) -> str:
    p = cache.get(path)
    if p is None:
        # fold every [N] to [] without a regex per call: this runs for every field of every response
        parts = []
        i = 0
        while True:
            j = path.find("[", i)
            if j < 0:
                parts.append(path[i:])
                break
            k = path.find("]", j)
            parts.append(path[i:j] + "[]")
            i = k + 1
        p = cache[path] = "".join(parts)
    return p


def _differing(a: dict[str, Any], b: dict[str, Any], cache: dict[str, str]) -> set[str]:
    if a == b:
        return set()
    keys = a.keys() | b.keys()
    return {_pattern(k, cache) for k in keys if a.get(k, _MISSING) != b.get(k, _MISSING)}


def _matches(path: str, patterns: Sequence[str]) -> bool:
    """Exact path, a parent path (``fills`` covers ``fills[].price``), or a ``*`` wildcard pattern."""
    for p in patterns:
        if path == p or path.startswith((p + ".", p + "[", p + "#")):
            return True
        if "*" in p and re.fullmatch(re.escape(p).replace(r"\*", ".*"), path):
            return True
    return False


def diff_outputs(
    requests: Sequence[dict[str, Any]],
    primary: dict[int, dict[str, Any]],
    secondary: dict[int, dict[str, Any]],
    candidate: dict[int, dict[str, Any]],
    must_match: Sequence[str],
    noise: Sequence[str] = (),
    relative_threshold: float = 20.0,
    absolute_threshold: float = 0.03,
    max_examples: int = 3,
) -> DiffReport:
    """Compare the three answer sets by seq (1-based index into ``requests``)."""
    cache: dict[str, str] = {}
    raw: dict[str, int] = {}
    noisy: dict[str, int] = {}
    examples: dict[str, list[Example]] = {}
    compared = 0
    for seq in range(1, len(requests) + 1):
        p, s, c = primary.get(seq), secondary.get(seq), candidate.get(seq)
        if p is None or c is None:
            continue  # an unanswered request is a service failure, reported elsewhere
        compared += 1
        fp = flatten(p)
        if s is not None:
            for path in _differing(fp, flatten(s), cache):
                noisy[path] = noisy.get(path, 0) + 1
        for path in _differing(fp, flatten(c), cache):
            raw[path] = raw.get(path, 0) + 1
            ex = examples.setdefault(path, [])
            if len(ex) < max_examples:
                ex.append(Example(seq, requests[seq - 1], p, s, c))
    fields = []
    for path in sorted(raw.keys() | noisy.keys()):
        r, nz = raw.get(path, 0), noisy.get(path, 0)
        must = _matches(path, must_match)
        forced_noise = _matches(path, noise)
        rel = abs(r - nz) / (r + nz) * 100 if r + nz else 0.0
        ab = abs(r - nz) / compared * 100 if compared else 0.0
        masked = not must and (nz > 0 or forced_noise)
        regression = (not must and not forced_noise and r > nz and rel > relative_threshold
                      and ab > absolute_threshold)
        fields.append(FieldDiff(path, r, nz, must, masked, regression, rel, ab,
                                tuple(examples.get(path, ()))))
    deterministic = not any(f.must_match and f.noise > 0 for f in fields)
    return DiffReport(compared, tuple(fields), deterministic, relative_threshold, absolute_threshold)
