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
from ketasim.population.virtual import TRD_TRIAL
from ketasim.regimen.named import load_regimen

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


def test_a_job_reads_its_backend_by_name_and_refuses_an_unknown_one():
    from ketasim.engine.backend import Backend
    from ketasim.errors import InputError

    job = PopulationJob(TRD_TRIAL, load_regimen("iv-single"), days=7, seed=1, backend="numpy")  # type: ignore[arg-type]
    assert job.backend is Backend.NUMPY
    with pytest.raises(InputError) as err:
        PopulationJob(TRD_TRIAL, load_regimen("iv-single"), days=7, seed=1, backend="gpu")  # type: ignore[arg-type]
    assert (err.value.context, err.value.field, err.value.received) == ("population", "backend", "gpu")
