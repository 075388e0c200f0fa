"""Evaluate: CVSS, EPSS, KEV, SSVC and the venue's trading context -> priority, explanation, due date.

Pure functions over model objects; the only I/O is in the explicit loaders (EPSS file, SLA policy file)
and the bundled SSVC tables read through importlib.resources. See docs/risk-model.md.
"""

from __future__ import annotations

from patchbook.risk.context import ContextPolicy
from patchbook.risk.cvss import best_severity, cvss_score, cvss_version, severity_band
from patchbook.risk.epss import load_epss, parse_epss, parse_epss_text
from patchbook.risk.explain import explain, why
from patchbook.risk.exploitation import exploitation_state
from patchbook.risk.kev import KevIndex
from patchbook.risk.priority import Overrides, prioritise, rank_key, rescore_epss
from patchbook.risk.sla import DEFAULT_POLICY, SlaPolicy, due_date, load_sla_policy, parse_sla_policy
from patchbook.risk.ssvc import cisa_coordinator, human_impact, mission_well_being, ssvc_deployer

__all__ = [
    "DEFAULT_POLICY",
    "ContextPolicy",
    "KevIndex",
    "Overrides",
    "SlaPolicy",
    "best_severity",
    "cisa_coordinator",
    "cvss_score",
    "cvss_version",
    "due_date",
    "explain",
    "exploitation_state",
    "human_impact",
    "load_epss",
    "load_sla_policy",
    "mission_well_being",
    "parse_epss",
    "parse_epss_text",
    "parse_sla_policy",
    "prioritise",
    "rank_key",
    "rescore_epss",
    "severity_band",
    "ssvc_deployer",
    "why",
]
