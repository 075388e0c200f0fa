"""The demo venue's own data: a small advisory snapshot written for patchbook.

Facts (ids, aliases, packages, ranges, fixed versions, CVSS vectors, KEV dates) are those of the real
advisories; the summaries are patchbook's own one-liners.
"""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
