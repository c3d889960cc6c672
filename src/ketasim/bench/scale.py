"""One population size in a fresh process: wall time and peak memory (``python -m ketasim.bench.scale``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ketasim.bench.machine import peak_memory_mb
from ketasim.engine.batch import PopulationJob, run_population
from ketasim.population.virtual import TRD_TRIAL
from ketasim.regimen.named import load_regimen


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("--regimen", default="iv-6x2w-then-3-weekly")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    job = PopulationJob(TRD_TRIAL, load_regimen(args.regimen), args.days, args.seed)
    run_population(job, min(args.n, 64), chunk_size=64)  # load compiled kernels before timing
    client = cluster = None
    if args.workers:
        from distributed import Client, LocalCluster

        os.environ["KETASIM_THREADS"] = "1"  # one engine thread per worker process, as Dask's threads
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)  # fmt: skip
        client = Client(cluster)
        client.run(lambda: run_population(job, 64, chunk_size=64))  # warm the workers
    t0 = time.perf_counter()
    frame = run_population(job, args.n, chunk_size=args.chunk, client=client)
    seconds = time.perf_counter() - t0
    if client is not None:
        client.close()
        cluster.close()  # type: ignore[union-attr]
    out = {
        "n": args.n,
        "workers": args.workers,
        "seconds": seconds,
        "patient_years_per_s": args.n * args.days / 365.0 / seconds,
        "peak_memory_mb": peak_memory_mb(),
        "responded": float(frame["responded"].mean()),
    }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
