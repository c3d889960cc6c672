"""What every command promises: --json, plain flags in help, one-line errors naming the option,
progress only on a terminal."""

import io
import json

import typer
from rich.console import Console
from typer.testing import CliRunner

from ketasim.cli import app
from ketasim.cli._common import progress
from ketasim.io.examples import path as example_path
from ketasim.trials import example_path as trial_path

runner = CliRunner()


def _leaves(command, prefix: tuple[str, ...] = ()):
    if hasattr(command, "commands"):  # a group (typer's own click)
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*prefix, name))
    else:
        yield prefix, command


COMMANDS = list(_leaves(typer.main.get_command(app)))


def test_every_command_has_json():
    assert len(COMMANDS) > 20
    missing = [" ".join(p) for p, c in COMMANDS if not any("--json" in o.opts for o in c.params)]
    assert missing == []


def test_flags_take_no_value_in_help():
    for prefix, _ in COMMANDS:
        res = runner.invoke(app, [*prefix, "--help"])
        assert res.exit_code == 0, prefix
        assert "<bool>" not in res.stdout, prefix
    assert "--json  " in runner.invoke(app, ["library", "--help"]).stdout


def test_an_error_is_one_line_when_piped(tmp_path):
    deep = tmp_path / ("a-rather-long-folder-name-" * 6) / "trial-spec-that-does-not-exist.yaml"
    res = runner.invoke(app, ["trial", "check", str(deep)])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) > 120, lines
    usage = runner.invoke(
        app, ["pk", "--drug", "esketamine", "--route", "iv", "--dose", "28mg", "--count", "x"]
    )
    assert usage.exit_code == 2
    (error,) = [line for line in usage.stderr.splitlines() if "Error" in line]
    assert "'--count'" in error


def test_plan_names_the_option_and_fails_before_fitting():
    res = runner.invoke(app, ["plan", str(example_path("patient.csv")), "--max-relapse-risk", "1.5"])
    assert res.exit_code == 2
    assert "--max-relapse-risk" in res.stderr and "max_risk" not in res.stderr
    assert "1.5" in res.stderr


def test_long_commands_show_no_progress_when_piped():
    res = runner.invoke(
        app,
        ["strategies", "compare", "--protocol", "iv-6x2w-fixed-3-weekly", "--n", "6", "--days", "42",
         "--boot", "100"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    assert "sessions / patient-year" in res.stdout


def test_progress_shows_on_a_terminal_only():
    tty = Console(file=io.StringIO(), force_terminal=True, width=80)
    with progress("simulating the world", console=tty):
        pass
    assert "simulating the world" in tty.file.getvalue()
    for quiet, console in (
        (True, Console(file=io.StringIO(), force_terminal=True)),
        (False, Console(file=io.StringIO())),
    ):
        with progress("simulating the world", quiet=quiet, console=console):
            pass
        assert console.file.getvalue() == ""


def test_json_of_the_commands_that_lacked_it(tmp_path):
    cases = [
        ["library", "--json"],
        ["trial", "check", str(trial_path("ketamine-vs-saline-midazolam")), "--json"],
        ["strategies", "check", "iv-6x2w-fixed-3-weekly", "--json"],
        ["strategies", "schema", "--json"],
        ["db", "migrate", "--url", f"sqlite:///{tmp_path / 'c.db'}", "--json"],
        ["db", "seed-demo", "--url", f"sqlite:///{tmp_path / 'c.db'}", "--json"],
    ]
    for case in cases:
        res = runner.invoke(app, case)
        assert res.exit_code == 0, (case, res.output)
        json.loads(res.stdout)
    sets = json.loads(runner.invoke(app, ["library", "--json"]).stdout)
    assert {"set", "citation", "parameters", "placeholders"} <= set(sets[0])
    seeded = json.loads(runner.invoke(app, cases[-1]).stdout)
    assert seeded["created"] is False and seeded["email"]


def test_demo_json(tmp_path):
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 9
    im = next(r for r in rows if r["regimen"] == "im-racemic-0.5mgkg")
    assert im["analytes"]["ketamine"]["auc_0_inf_ng_h_ml"] >= im["analytes"]["ketamine"]["auc_0_24_ng_h_ml"]
