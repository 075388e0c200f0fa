"""``patchbook flow``: make order flow for simulated deployments (generate, import LOBSTER)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import typer

from patchbook.errors import InputError

app = typer.Typer(help="Order flow for simulated deployments: generate or import it.", no_args_is_help=True)


@contextmanager
def _output(path: Path | None) -> Iterator[IO[bytes]]:
    """stdout, or a file that only appears once it is complete (nothing half-written stays behind)."""
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("wb") as fh:
            yield fh
        tmp.replace(path)
    except OSError as exc:
        raise InputError(str(path), f"cannot write ({exc.strerror})") from None
    finally:
        tmp.unlink(missing_ok=True)


@app.command("generate")
def generate(
    orders: int = typer.Option(10_000, "--orders", "-n", help="Number of messages."),
    seed: int = typer.Option(1, "--seed", "-s", help="Random seed: same seed, same flow."),
    profile: str = typer.Option("mixed", "--profile", "-p", help="mixed | exchange-core | options."),
    rate: float = typer.Option(0.0, "--rate", help="Mean arrivals per second (0: the profile's)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """Synthetic flow: Poisson arrivals, prices around a moving mid, the profile's message mix."""
    from patchbook.simulate.flow.format import write_flow
    from patchbook.simulate.flow.generator import generate as gen

    records = gen(orders, seed, profile, rate or None)
    with _output(output) as out:
        n = write_flow(records, out)
    if output is not None:
        typer.echo(f"wrote {n} messages to {output}", err=True)


@app.command("import-lobster")
def import_lobster(
    file: Path = typer.Argument(..., help="A LOBSTER *_message_*.csv file."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """Convert a LOBSTER message file into patchbook flow (times kept as t_ns from the first message)."""
    from patchbook.simulate.flow.format import write_flow
    from patchbook.simulate.flow.lobster import LobsterStats
    from patchbook.simulate.flow.lobster import import_lobster as imp

    stats = LobsterStats()
    with _output(output) as out:
        write_flow(imp(file, stats), out)
    skipped = ", ".join(f"{v} {k}" for k, v in sorted(stats.skipped.items())) or "none"
    typer.echo(
        f"{stats.lines} LOBSTER messages -> {stats.written} flow messages; skipped: {skipped}", err=True
    )
