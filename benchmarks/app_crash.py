"""Crash the server mid-write with SIGKILL, restart it, and check that no acknowledged write was lost.

    python benchmarks/app_crash.py --rounds 5 --clients 20

Each round starts ``ketasim serve``, lets clients write sessions and scores (each with an
idempotency key), kills the server with SIGKILL at a random moment, restarts it, and checks:
every write the server acknowledged is stored exactly once, the database's own integrity check
is clean (SQLite: ``PRAGMA integrity_check`` and ``foreign_key_check``), and the restarted
server answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from _harness import Server, database, login
from app_load import verify, writer
from sqlalchemy import text

from ketasim.store.db import is_sqlite, make_engine


def integrity(url: str) -> dict[str, Any]:
    """The database's own consistency checks."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if is_sqlite(url):
                return {
                    "integrity_check": conn.exec_driver_sql("PRAGMA integrity_check").scalar(),
                    "foreign_key_violations": len(conn.exec_driver_sql("PRAGMA foreign_key_check").all()),
                }
            orphans = conn.execute(
                text(
                    "select count(*) from scale_items i left join scale_administrations a "
                    "on a.id = i.administration_id where a.id is null"
                )
            ).scalar()
            return {"integrity_check": "ok", "foreign_key_violations": orphans}
    finally:
        engine.dispose()


async def one_round(
    url: str, tenants: list[Any], clients: int, rng: random.Random, stats: dict[str, Any]
) -> dict[str, Any]:
    server = Server(url)
    t = time.monotonic()
    server.start()
    started = time.monotonic() - t
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as c:
        viewers = [await login(c, tn.viewer) for tn in tenants]
    before = sum(len(v) for v in stats["acked"].values())
    tasks = [
        asyncio.create_task(writer(i, server.base, tenants, time.monotonic() + 3600, stats, viewers))
        for i in range(clients)
    ]
    # wait until writes flow (clients have signed in), then kill at a random moment among them
    deadline = time.monotonic() + 60
    while sum(len(v) for v in stats["acked"].values()) - before < 10 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(rng.uniform(0.5, 3.0))
    server.kill()  # SIGKILL mid-write: no shutdown hooks, no flush
    await asyncio.sleep(0.5)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    acked = sum(len(v) for v in stats["acked"].values()) - before
    return {"startup_s": round(started, 2), "acknowledged_this_round": acked}


async def run(url: str, rounds: int, clients: int, seed: int) -> dict[str, Any]:
    from _harness import prepare

    tenants = prepare(url, clients)
    rng = random.Random(seed)
    stats: dict[str, Any] = {
        "acked": defaultdict(list), "latency": defaultdict(list), "failed": defaultdict(int), "errors": [],
        "isolation_violations": 0, "role_violations": 0,
    }  # fmt: skip
    per_round = []
    for _ in range(rounds):
        per_round.append(await one_round(url, tenants, clients, rng, stats))
        # restart after the crash: the server must come up and every acknowledged write must be there
        server = Server(url)
        server.start()
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as c:
            headers = await login(c, tenants[0].clinician)
            alive = (await c.get("/api/sessions?limit=1", headers=headers)).status_code == 200
        server.stop()
        per_round[-1] |= {"restart_answers": alive, **verify(url, stats), **integrity(url)}
    last = per_round[-1]
    return {
        "database": url.split(":", 1)[0],
        "rounds": rounds,
        "clients": clients,
        "acknowledged_writes": sum(len(v) for v in stats["acked"].values()),
        "lost": last["lost"],
        "duplicated": last["duplicated"],
        "unacknowledged_rows": last["unacknowledged_rows"],
        "integrity_ok": all(
            r["integrity_check"] == "ok" and r["foreign_key_violations"] == 0 for r in per_round
        ),
        "restarts_answered": all(r["restart_answers"] for r in per_round),
        "per_round": per_round,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--postgres", action="store_true", help="run on a private PostgreSQL cluster")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    with database(args.url, args.postgres, "crash.db") as url:
        result = asyncio.run(run(url, args.rounds, args.clients, args.seed))
    result["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
    result["cpus"] = os.cpu_count()
    out = json.dumps(result, indent=2)
    print(out)
    if args.out:
        args.out.write_text(out + "\n")
    ok = (
        result["lost"] == result["duplicated"] == 0 and result["integrity_ok"] and result["restarts_answered"]
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
