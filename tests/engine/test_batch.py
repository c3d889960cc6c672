"""Populations in chunks and on a real Dask cluster give the same patients and results."""

import socket
import subprocess
import sys
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

from ketasim.cli import app
from ketasim.engine.batch import PopulationJob, run_population
from ketasim.regimens import load_regimen
from ketasim.virtual import TRD_TRIAL

runner = CliRunner()
JOB = PopulationJob(TRD_TRIAL, load_regimen("iv-induction-6x2w"), days=60, seed=5, keep_trajectories=True)


def test_chunking_never_changes_a_patient():
    a = run_population(JOB, 50, chunk_size=50)
    b = run_population(JOB, 50, chunk_size=7)
    pd.testing.assert_frame_equal(a, b)
    c = run_population(JOB, 20, chunk_size=20)
    pd.testing.assert_frame_equal(a.iloc[:20], c)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dask_cluster():
    """A scheduler and two worker processes, as an existing cluster would be."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    bin_dir = sys.executable.rsplit("/", 1)[0]
    procs = [
        subprocess.Popen(
            [
                f"{bin_dir}/dask",
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--dashboard-address",
                ":0",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    for _ in range(2):
        procs.append(
            subprocess.Popen(
                [
                    f"{bin_dir}/dask",
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--no-dashboard",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    from distributed import Client

    deadline = time.time() + 120
    while True:
        try:
            with Client(address, timeout=5) as client:
                if len(client.scheduler_info()["workers"]) == 2:
                    break
        except OSError:
            pass
        if time.time() > deadline:
            raise RuntimeError("the Dask cluster did not start")
        time.sleep(1)
    yield address
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


def test_dask_cluster_gives_identical_results(dask_cluster, tmp_path):
    local = tmp_path / "local.parquet"
    remote = tmp_path / "remote.parquet"
    common = ["population", "--regimen", "iv-induction-6x2w", "--n", "120", "--days", "60", "--seed", "5",
              "--chunk", "25", "--trajectories"]  # fmt: skip
    res = runner.invoke(app, [*common, "--out", str(local)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*common, "--out", str(remote), "--scheduler", dask_cluster])
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(pd.read_parquet(local), pd.read_parquet(remote))


def test_population_cli_summary_and_errors(tmp_path):
    import json

    res = runner.invoke(
        app, ["population", "--regimen", "iv-induction-6x2w", "--n", "200", "--days", "90", "--json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert 0.5 < data["responded"]["fraction"] <= 1.0
    lo, hi = data["responded"]["ci95"]
    assert lo < data["responded"]["fraction"] < hi
    assert data["relapsed_among_responders"]["n"] == round(200 * data["responded"]["fraction"])
    for args, needle in ((["--n", "0"], "n"), (["--days", "0"], "days"), (["--backend", "gpu"], "backend"),
                         (["--workers", "2", "--scheduler", "tcp://x:1"], "workers")):  # fmt: skip
        out = tmp_path / "x.parquet"
        res = runner.invoke(app, ["population", "--regimen", "iv-single", *args, "--out", str(out)])
        assert res.exit_code == 2, res.output
        assert needle in res.stderr
        assert not out.exists()


def test_population_file(tmp_path):
    import yaml

    spec = tmp_path / "pop.yaml"
    spec.write_text(yaml.safe_dump({"age_years": {"mean": 70, "sd": 3, "min": 65, "max": 80},
                                    "bdnf_val66met": {"val_val": 0, "val_met": 0, "met_met": 1},
                                    "background": {"oral_antidepressant": "new_start"}}))  # fmt: skip
    out = tmp_path / "p.parquet"
    res = runner.invoke(app, ["population", "--regimen", "iv-single", "--n", "30", "--days", "14",
                              "--population", str(spec), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    frame = pd.read_parquet(out)
    assert frame["age_years"].min() >= 65
    assert (frame["met_alleles"] == 2).all()
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"height_cm": {"mean": 170}}))
    res = runner.invoke(app, ["population", "--regimen", "iv-single", "--population", str(bad)])
    assert res.exit_code == 2
    assert "height_cm" in res.stderr
