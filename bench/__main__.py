"""Run the benchmarks: ``python -m bench [NAME ...]``.

Each ``bench/<name>_bench.py`` exposes ``run(shared: Path, workdir: Path) -> rich.table.Table``; it measures
patchbook and its baseline (a peer tool or a reference implementation) in the same run and returns one
table with the ratios. Names on the command line select benchmarks by prefix.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    shared = Path(os.environ.get("PATCHBOOK_SHARED") or HERE.parent.parent / "shared").resolve()
    if not (shared / "data").is_dir():
        print(f"bench: shared data not found at {shared} (set PATCHBOOK_SHARED)", file=sys.stderr)
        return 2
    # Tables are read in logs as often as on a terminal: never wrap them at 80 columns.
    console = Console(width=None if sys.stdout.isatty() else 200)
    names = sorted(p.stem for p in HERE.glob("*_bench.py"))
    wanted = [n for n in names if not argv or any(n.startswith(a) for a in argv)]
    for name in wanted:
        module = importlib.import_module(f"bench.{name}")
        with tempfile.TemporaryDirectory(prefix=f"pb-{name}-") as tmp:
            started = time.perf_counter()
            console.rule(f"[bold]{name}")
            table = module.run(shared, Path(tmp))
            console.print(table)
            console.print(f"[dim]{name}: {time.perf_counter() - started:.1f} s[/dim]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
