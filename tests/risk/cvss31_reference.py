"""An independent implementation of the CVSS v3.1 base equations (FIRST spec §7.1 and Appendix A, as
transcribed in shared/reference/scoring.md §1), used only as a test oracle against the ``cvss`` package.

Written from the spec, in binary floating point, with the spec's integer-based Roundup: if it and ``cvss``
(exact Decimal arithmetic) agree on every base vector, both follow the spec.
"""

from __future__ import annotations

import math

AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
AC = {"L": 0.77, "H": 0.44}
PR_UNCHANGED = {"N": 0.85, "L": 0.62, "H": 0.27}
PR_CHANGED = {"N": 0.85, "L": 0.68, "H": 0.50}
UI = {"N": 0.85, "R": 0.62}
CIA = {"H": 0.56, "L": 0.22, "N": 0.0}

BASE_METRICS = {
    "AV": tuple(AV),
    "AC": tuple(AC),
    "PR": tuple(PR_UNCHANGED),
    "UI": tuple(UI),
    "S": ("U", "C"),
    "C": tuple(CIA),
    "I": tuple(CIA),
    "A": tuple(CIA),
}


def roundup(x: float) -> float:
    """Spec Appendix A: the smallest number with one decimal that is >= x, computed on integers."""
    i = round(x * 100000)
    if i % 10000 == 0:
        return i / 100000.0
    return (math.floor(i / 10000) + 1) / 10.0


def base_score(vector: str) -> float:
    parts = dict(p.split(":") for p in vector.split("/")[1:])
    changed = parts["S"] == "C"
    iss = 1 - (1 - CIA[parts["C"]]) * (1 - CIA[parts["I"]]) * (1 - CIA[parts["A"]])
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    pr = (PR_CHANGED if changed else PR_UNCHANGED)[parts["PR"]]
    exploitability = 8.22 * AV[parts["AV"]] * AC[parts["AC"]] * pr * UI[parts["UI"]]
    if impact <= 0:
        return 0.0
    if changed:
        return roundup(min(1.08 * (impact + exploitability), 10))
    return roundup(min(impact + exploitability, 10))
