"""What every command shares: the consoles, JSON output, and a rich progress bar on stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Machine output on stdout: one JSON document, nothing else."""
    print(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode())


def print_json_list(key: str, items: Iterable[Any]) -> None:
    """``{key: [items...]}`` on stdout, one item serialised at a time: an estate's 300,000 findings never
    exist as one document in memory (the whole-document form needed ~0.8 GB more)."""
    out = sys.stdout
    out.write(f'{{\n  "{key}": [')
    first = True
    for item in items:
        out.write("\n    " if first else ",\n    ")
        out.write(orjson.dumps(item, option=orjson.OPT_NON_STR_KEYS, default=str).decode())
        first = False
    out.write("\n  ]\n}\n" if not first else "]\n}\n")


class RichProgress:
    """Renders the services' progress callbacks as a bar on stderr (silent when stderr is no terminal)."""

    def __init__(self, *, bytes_mode: bool = False) -> None:
        self._progress: Progress | None = None
        self._task: Any = None
        self._bytes = bytes_mode

    def start(self, label: str, total: int | None) -> None:
        self.finish()
        columns = [
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn() if label.startswith("download") else MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        ]
        self._progress = Progress(*columns, console=err_console, transient=True)
        self._progress.start()
        self._task = self._progress.add_task(label, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, amount)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
