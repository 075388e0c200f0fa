"""Plan: from open findings to patches placed in windows the trading calendar allows.

Pure functions over plain objects; the only I/O is the explicit calendar loader. One job per module:

- ``remediation``: the lowest safe upgrade per vulnerable component, grouped into one patch per asset;
- ``calendar``: the venue calendar file (recurring and one-off rules, per-asset additions), expanded
  into a slot timeline of blackouts and preferred windows;
- ``schedule``: each change into a window (urgency, SLA, dependencies, capacity, emergency track),
  with the reason for every placement;
- ``contracts``: pause / timelocked proxy upgrade / migration paths for smart contracts;
- ``approvals``: which approvals a change needs and whether it has them;
- ``export``: JSON, Markdown (change-advisory board) and iCalendar.
"""

from __future__ import annotations
