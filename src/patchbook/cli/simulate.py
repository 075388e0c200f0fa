"""``patchbook simulate``: validate a candidate build against the baseline by replaying order flow.

``patchbook simulate --baseline CMD --candidate CMD --flow FILE`` (the group itself) and
``patchbook simulate run ...`` do the same; ``simulate patch ID`` runs a planned patch through its
asset's simulation profile (``simulate profile set ASSET FILE``) and stores the run with the patch.
Exit codes: 0 promote, 1 hold or rollback, 2 usage or input error.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from patchbook.errors import InputError

if TYPE_CHECKING:
    from patchbook.model.simulation import SimulationRun

app = typer.Typer(
    help="Simulated deployment: baseline vs candidate on replayed order flow; verdict promote/hold/rollback.",
)

_VERDICT_STYLE = {"promote": "bold green", "hold": "bold yellow", "rollback": "bold red"}


def _execute(
    baseline: str,
    candidate: str,
    flow: Path,
    profile: Path | None,
    rounds: int | None,
    rate: str | None,
    as_json: bool,
    html: Path | None,
) -> None:
    from patchbook.simulate.flow.format import load_flow
    from patchbook.simulate.profile import load_profile, rate_of
    from patchbook.simulate.runner import run_simulation

    prof = load_profile(profile)
    if rounds is not None and rounds < 1:
        raise InputError("--rounds", "must be at least 1")
    if rate is not None:
        rate_of(rate)
    records, _ = load_flow(flow)  # input errors surface before any process starts
    del records
    with _progress_bar() as progress:
        run = run_simulation(
            baseline,
            candidate,
            flow,
            prof,
            rounds=rounds,
            rate=rate,
            progress=progress,
            profile_label=str(profile) if profile else "default",
        )
    _report(run, as_json, html)


@contextmanager
def _progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    err = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("starting", total=1)

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        yield progress


def _report(
    run: SimulationRun, as_json: bool, html: Path | None, extra: dict[str, object] | None = None
) -> None:
    """Print the verdict (or JSON), write the HTML report, exit 1 unless the verdict is promote."""
    from patchbook.simulate.serialize import run_dict

    if html is not None:
        from patchbook.simulate.report_html import render_html

        try:
            html.write_text(render_html(run), encoding="utf-8")
        except OSError as exc:
            raise InputError(str(html), f"cannot write report ({exc.strerror})") from None
    if as_json:
        sys.stdout.write(json.dumps({**(extra or {}), **run_dict(run)}, default=str) + "\n")
    else:
        print_summary(Console(), run)
        if html is not None:
            Console().print(f"report: {html}")
    if run.verdict.value != "promote":
        # SystemExit rather than typer.Exit: it reaches the shell as exit 1 whether or not click runs in
        # standalone mode (outside it, click turns Exit into a return value).
        sys.exit(1)


def print_summary(console: Console, run: object) -> None:
    from patchbook.model.simulation import SimulationRun

    assert isinstance(run, SimulationRun)
    j = run.judgement
    v = j.verdict.value
    console.print(
        f"[{_VERDICT_STYLE[v]}]{v.upper()}[/]  score {j.score:g}/100 "
        f"(pass >= {j.pass_threshold:g}, marginal >= {j.marginal_threshold:g})"
    )
    for r in j.reasons:
        console.print(f"  - {r}")
    t = Table(title="judge", title_justify="left")
    for col in (
        "metric",
        "label",
        "baseline median",
        "candidate median",
        "ratio",
        "allowed",
        "98% CI (shift)",
    ):
        t.add_column(col)
    import statistics

    for m in j.metrics:
        bmed = statistics.median(m.baseline) if m.baseline else float("nan")
        cmed = statistics.median(m.candidate) if m.candidate else float("nan")
        allowed = f"<= {m.allowed_increase:g}x" if m.name != "throughput" else f">= {m.allowed_decrease:g}x"
        style = "green" if m.label.value == "Pass" else ("red" if m.label.value in ("High", "Low") else "")
        t.add_row(
            m.name,
            f"[{style}]{m.label.value}[/]" if style else m.label.value,
            f"{bmed:,.1f}",
            f"{cmed:,.1f}",
            f"{m.ratio:.3f}",
            allowed,
            f"[{m.ci_lower:,.1f}, {m.ci_upper:,.1f}]",
        )
    console.print(t)
    c = Table(title="checks", title_justify="left")
    c.add_column("check")
    c.add_column("result")
    c.add_column("detail")
    for ch in j.checks:
        c.add_row(ch.name, "[green]ok[/]" if ch.passed else "[red]FAILED[/]", ch.detail)
    console.print(c)
    if run.diff is not None:
        d = run.diff
        console.print(
            f"outputs: {d.requests} requests compared; masked noise: "
            f"{', '.join(f.path for f in d.masked) or 'none'}"
        )
        for f in d.fields:
            if f.raw and not f.masked:
                console.print(
                    f"  {'MUST-MATCH ' if f.must_match else ''}{f.path}: {f.raw} differ (noise {f.noise})"
                )


_BASELINE = typer.Option(None, "--baseline", help="Command of the deployed build (the service contract).")
_CANDIDATE = typer.Option(None, "--candidate", help="Command of the patched build.")
_FLOW = typer.Option(None, "--flow", help="Order flow (JSONL) to replay.")
_PROFILE = typer.Option(None, "--profile", help="Simulation profile (YAML/JSON).")
_ROUNDS = typer.Option(None, "--rounds", help="Rounds per arm (default: profile, 5).")
_RATE = typer.Option(None, "--rate", help="Requests/s, 'max', or 'recorded' (default: profile, 5000).")
_JSON = typer.Option(False, "--json", help="Print the result as JSON.")
_HTML = typer.Option(None, "--html", help="Write a self-contained HTML report here.")


@app.callback(invoke_without_command=True)
def simulate(
    ctx: typer.Context,
    baseline: str | None = _BASELINE,
    candidate: str | None = _CANDIDATE,
    flow: Path | None = _FLOW,
    profile: Path | None = _PROFILE,
    rounds: int | None = _ROUNDS,
    rate: str | None = _RATE,
    as_json: bool = _JSON,
    html: Path | None = _HTML,
) -> None:
    """Replay order flow into baseline and candidate; judge fills, latency and crashes."""
    if ctx.invoked_subcommand is not None:
        return
    if baseline is None and candidate is None and flow is None:
        typer.echo(ctx.get_help(), err=True)
        sys.exit(2)
    _require(baseline, candidate, flow)
    assert baseline is not None and candidate is not None and flow is not None
    _execute(baseline, candidate, flow, profile, rounds, rate, as_json, html)


@app.command("run")
def run(
    baseline: str | None = _BASELINE,
    candidate: str | None = _CANDIDATE,
    flow: Path | None = _FLOW,
    profile: Path | None = _PROFILE,
    rounds: int | None = _ROUNDS,
    rate: str | None = _RATE,
    as_json: bool = _JSON,
    html: Path | None = _HTML,
) -> None:
    """Same as ``patchbook simulate --baseline ... --candidate ... --flow ...``."""
    _require(baseline, candidate, flow)
    assert baseline is not None and candidate is not None and flow is not None
    _execute(baseline, candidate, flow, profile, rounds, rate, as_json, html)


def _require(baseline: str | None, candidate: str | None, flow: Path | None) -> None:
    missing = [
        n for n, v in (("--baseline", baseline), ("--candidate", candidate), ("--flow", flow)) if not v
    ]
    if missing:
        raise InputError("patchbook simulate", f"missing {', '.join(missing)}")


# --- planned patches --------------------------------------------------------------------------------

profile_app = typer.Typer(
    help="The simulation profile each asset's patches are validated with.", no_args_is_help=True
)
app.add_typer(profile_app, name="profile")
_AS = typer.Option(None, "--as", help="Who does this (recorded in the audit trail; default: your login).")


def _actor(name: str | None) -> str:
    return name or getpass.getuser()


@app.command("patch")
def patch(
    patch_id: int = typer.Argument(..., help="The planned patch (`patchbook patch list`)."),
    rounds: int | None = _ROUNDS,
    as_json: bool = _JSON,
    html: Path | None = _HTML,
    actor: str | None = _AS,
) -> None:
    """Simulate deploying a planned patch: baseline = deployed build, candidate = patched build."""
    from patchbook.service.simulations import simulate_patch
    from patchbook.store import open_store

    if rounds is not None and rounds < 1:
        raise InputError("--rounds", "must be at least 1")
    with _progress_bar() as progress:
        done = simulate_patch(open_store(), patch_id, _actor(actor), rounds=rounds, progress=progress)
    if not as_json:
        Console().print(f"patch {done.patch_id} ({done.asset}): simulation run {done.run_id} stored")
    _report(done.run, as_json, html, {"patch": done.patch_id, "asset": done.asset, "run_id": done.run_id})


@profile_app.command("set")
def profile_set(
    asset: str = typer.Argument(..., help="The asset whose patches use this profile."),
    file: Path = typer.Argument(..., help="Simulation profile with baseline/candidate commands and a flow."),
    actor: str | None = _AS,
) -> None:
    """Set ASSET's simulation profile (checked now; read again at each run)."""
    from patchbook.service.simulations import set_profile
    from patchbook.store import open_store

    source = set_profile(open_store(), asset, file, _actor(actor))
    Console().print(f"{asset}: simulation profile {source}")


@app.command("history")
def history(
    patch_id: int | None = typer.Option(None, "--patch", help="Only this patch's runs."),
    asset: str | None = typer.Option(None, "--asset", help="Only this asset's runs."),
    as_json: bool = _JSON,
) -> None:
    """Stored simulated deployments, newest first."""
    from patchbook.store import open_store
    from patchbook.store.simulations import runs

    with open_store().engine.connect() as conn:
        found = runs(conn, patch_id=patch_id, asset=asset)
    if as_json:
        sys.stdout.write(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "patch": r.patch_id,
                        "asset": r.asset,
                        "verdict": r.verdict,
                        "score": r.score,
                        "started": r.started_at.isoformat(),
                        "finished": r.finished_at.isoformat(),
                        "baseline": r.baseline_cmd,
                        "candidate": r.candidate_cmd,
                        "profile": r.profile_source,
                        "profile_sha256": r.profile_sha256,
                        "flow_sha256": r.flow_sha256,
                        "reasons": r.run.get("reasons", []),
                    }
                    for r in found
                ],
                default=str,
            )
            + "\n"
        )
        return
    t = Table(title="simulated deployments", title_justify="left")
    for col in ("run", "patch", "asset", "verdict", "score", "finished", "reasons"):
        t.add_column(col, overflow="fold")
    for r in found:
        v = r.verdict
        t.add_row(
            str(r.id),
            str(r.patch_id or "-"),
            r.asset,
            f"[{_VERDICT_STYLE[v]}]{v}[/]",
            f"{r.score:g}",
            r.finished_at.strftime("%Y-%m-%d %H:%M"),
            "; ".join(r.run.get("reasons", [])[:2]),
        )
    Console().print(t)
