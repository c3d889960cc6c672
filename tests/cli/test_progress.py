"""Progress only on a terminal's stderr: every command's --json output parses as JSON with stderr a
terminal, and none of them shows progress with --json or when stderr is piped; the long ones show it
on a terminal otherwise."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

import ketasim.cli._common as common
from ketasim.cli import app
from ketasim.io.examples import path as example_path
from ketasim.library.calibrated import load_current
from ketasim.trials import example_path as trial_path

runner = CliRunner()
PROTOCOL = "iv-6x2w-fixed-3-weekly"


def _leaves(command, prefix: tuple[str, ...] = ()):
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*prefix, name))
    else:
        yield prefix


def _cases(tmp: Path) -> dict[tuple[str, ...], list[str]]:
    """A small run of every command (arguments after the command's name), without --json."""
    patient = str(example_path("patient.csv"))
    db = f"sqlite:///{tmp / 'clinic.db'}"
    return {
        ("pk",): ["--drug", "esketamine", "--route", "intranasal", "--dose", "56mg"],
        ("simulate",): ["--regimen", "iv-single", "--days", "7"],
        ("demo",): ["--out", str(tmp / "demo")],
        ("population",): ["--regimen", "iv-single", "--n", "20", "--days", "14"],
        ("bench",): ["--quick"],
        ("library",): [],
        ("serve",): ["--url", db, "--port", "8765"],
        ("calibrate",): ["--out", str(tmp / "set.json")],
        ("validate",): ["--study", "talati2019", "--replicates", "2", "--no-parameter-uncertainty"],
        ("fit",): [patient],
        ("plan",): [patient],
        ("evaluate-forecasts",): ["--n", "2", "--draws", "50"],
        ("export", "sbml"): ["--regimen", "iv-single", "-o", str(tmp / "model.xml"), "--days", "3"],
        ("db", "migrate"): ["--url", db],
        ("db", "seed-demo"): ["--url", db],
        ("trial", "check"): [str(trial_path("ketamine-vs-saline-midazolam"))],
        ("trial", "run"): [
            str(trial_path("ketamine-vs-saline-midazolam")),
            "--replicates",
            "2",
            "--workers",
            "1",
        ],
        ("strategies", "list"): [],
        ("strategies", "check"): [PROTOCOL],
        ("strategies", "schema"): [],
        ("strategies", "compare"): ["--protocol", PROTOCOL, "--n", "6", "--days", "42", "--boot", "100"],
        ("strategies", "intervals"): [
            "--protocol",
            PROTOCOL,
            "--n",
            "6",
            "--days",
            "60",
            "--candidates",
            "14,28",
        ],
        ("strategies", "reinduction"): ["--protocol", PROTOCOL, "--n", "6", "--days", "60"],
    }


#: commands that can run longer than a few seconds: they show progress on a terminal
LONG = {
    ("demo",), ("population",), ("bench",), ("calibrate",), ("validate",), ("fit",), ("plan",),
    ("evaluate-forecasts",), ("trial", "run"), ("strategies", "compare"), ("strategies", "intervals"),
    ("strategies", "reinduction"),
}  # fmt: skip


@pytest.fixture
def fakes(monkeypatch):
    """The three commands whose real run takes minutes or never ends keep their CLI, not their work."""
    import uvicorn

    import ketasim.bench.report as bench_report
    import ketasim.bench.run as bench_run
    import ketasim.calibrate.fit as fit

    def run_benchmark(say, **_kwargs):
        say("engine: timing 2000 patients")
        return {"engine": {"patients": 2000, "seconds": 1.0}}

    def calibrate(_options, command, on_evaluation):
        on_evaluation(1, 12.5)
        return load_current()

    monkeypatch.setattr(bench_run, "run_benchmark", run_benchmark)
    monkeypatch.setattr(bench_report, "markdown", lambda results, command: f"{command}: {results}")
    monkeypatch.setattr(fit, "calibrate", calibrate)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)


@pytest.fixture
def terminal(monkeypatch) -> io.StringIO:
    """stderr is a terminal: progress, where a command shows it, lands here."""
    screen = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=screen, force_terminal=True, width=100))
    return screen


def test_the_cases_cover_every_command(tmp_path):
    assert set(_cases(tmp_path)) == set(_leaves(typer.main.get_command(app)))


@pytest.mark.parametrize("command", sorted(_cases(Path("."))), ids=" ".join)
def test_json_parses_and_no_progress_shows_with_json_on_a_terminal(command, tmp_path, fakes, terminal):
    args = _cases(tmp_path)[command]
    if command == ("db", "seed-demo"):
        assert runner.invoke(app, ["db", "migrate", *args]).exit_code == 0
    res = runner.invoke(app, [*command, *args, "--json"])
    assert res.exit_code == 0, res.output
    if command == ("serve",):
        # one JSON line, announced before serving
        assert len(res.stdout.splitlines()) == 1
    json.loads(res.stdout)
    assert terminal.getvalue() == "", command
    assert res.stderr == "", command


@pytest.mark.parametrize("command", sorted(LONG), ids=" ".join)
def test_long_commands_show_progress_on_a_terminal_and_none_when_piped(command, tmp_path, fakes, monkeypatch):
    args = _cases(tmp_path)[command]
    piped = runner.invoke(app, [*command, *args])
    assert piped.exit_code == 0, piped.output
    assert piped.stderr == "", command
    screen = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=screen, force_terminal=True, width=100))
    shown = runner.invoke(app, [*command, *args])
    assert shown.exit_code == 0, shown.output
    assert screen.getvalue().strip() != "", f"{command}: no progress on a terminal"
    assert "\x1b" not in shown.stdout, f"{command}: terminal control codes on standard output"
