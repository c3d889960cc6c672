"""Load on loopback: concurrent clinicians writing sessions and scores, or reading pages and the API.

    python benchmarks/app_load.py write --clients 50 --duration 60   # zero lost/duplicated writes, p95
    python benchmarks/app_load.py read --clients 20 --duration 60    # page and API p95 on the demo clinic

Every write carries an idempotency key and is retried with the same key when its answer is lost;
afterwards the database must hold each acknowledged write exactly once. While writing, clients
also probe the other site's patients (must be 404) and write as viewers (must be 403).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from _harness import Server, Tenant, database, iv_session, login, percentile, phq9, post_with_retry, prepare
from sqlalchemy import text

from ketasim.store.db import make_engine, make_sessionmaker, transaction
from ketasim.store.migrate import upgrade
from ketasim.store.seed import DEMO_LOGINS, seed_demo


async def writer(
    i: int,
    base: str,
    tenants: list[Tenant],
    until: float,
    stats: dict[str, Any],
    viewer_headers: list[dict[str, str]],
) -> None:
    me, other = tenants[i % len(tenants)], tenants[(i + 1) % len(tenants)]
    pid, course = me.patients[i // len(tenants)]
    foreign = other.patients[0][0]
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        headers = await login(client, me.clinician)
        k = 0
        while time.monotonic() < until:
            for kind, path, body in (
                ("session", f"/api/patients/{pid}/sessions", iv_session(course, k, f"s-{uuid.uuid4().hex}")),
                ("scale", f"/api/patients/{pid}/scales", phq9(k, f"q-{uuid.uuid4().hex}")),
            ):
                r, dt = await post_with_retry(client, path, body, headers)
                if r is not None and r.status_code in (200, 201):
                    stats["acked"][kind].append(body["idempotency_key"])
                    stats["latency"][kind].append(dt)
                else:
                    stats["failed"][kind] += 1
                    stats["errors"].append(None if r is None else f"{r.status_code} {r.text[:200]}")
            if k % 5 == 0:
                t = time.perf_counter()
                r = await client.get(f"/api/patients/{foreign}", headers=headers)
                stats["latency"]["isolation probe"].append(time.perf_counter() - t)
                stats["isolation_violations"] += r.status_code != 404
                v = viewer_headers[i % len(tenants)]
                r = await client.post(
                    f"/api/patients/{pid}/scales", json=phq9(k, f"v-{uuid.uuid4().hex}"), headers=v
                )
                stats["role_violations"] += r.status_code != 403
            k += 1


def verify(url: str, stats: dict[str, Any]) -> dict[str, int]:
    """Every acknowledged key exactly once; no row under a key that was never acknowledged."""
    engine = make_engine(url)
    out = {"lost": 0, "duplicated": 0, "unacknowledged_rows": 0}
    try:
        with engine.connect() as conn:
            for kind, table, prefix in (
                ("session", "sessions", "s-%"),
                ("scale", "scale_administrations", "q-%"),
            ):
                rows = conn.execute(
                    text(
                        f"select idempotency_key, count(*) from {table} "
                        "where idempotency_key like :p group by 1"
                    ),
                    {"p": prefix},
                ).all()
                stored = {key: n for key, n in rows}
                acked = set(stats["acked"][kind])
                out["lost"] += sum(1 for key in acked if key not in stored)
                out["duplicated"] += sum(n - 1 for n in stored.values() if n > 1)
                out["unacknowledged_rows"] += sum(1 for key in stored if key not in acked)
                out[f"{kind}s_stored"] = len(stored)
            out["viewer_rows"] = conn.execute(
                text("select count(*) from scale_administrations where idempotency_key like 'v-%'")
            ).scalar_one()
    finally:
        engine.dispose()
    return out


async def run_write(url: str, clients: int, duration: float) -> dict[str, Any]:
    tenants = prepare(url, clients)
    server = Server(url)
    server.start()
    stats: dict[str, Any] = {
        "acked": defaultdict(list), "latency": defaultdict(list), "failed": defaultdict(int), "errors": [],
        "isolation_violations": 0, "role_violations": 0,
    }  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as c:
            viewers = [await login(c, t.viewer) for t in tenants]
        t0 = time.monotonic()
        await asyncio.gather(
            *(writer(i, server.base, tenants, t0 + duration, stats, viewers) for i in range(clients))
        )
        elapsed = time.monotonic() - t0
    finally:
        server.stop()
    check = verify(url, stats)
    writes = sum(len(v) for v in stats["acked"].values())
    return {
        "mode": "write", "clients": clients, "duration_s": round(elapsed, 1), "acknowledged_writes": writes,
        "writes_per_s": round(writes / elapsed, 1),
        "p50_ms": {k: round(1000 * percentile(v, 50), 1) for k, v in stats["latency"].items()},
        "p95_ms": {k: round(1000 * percentile(v, 95), 1) for k, v in stats["latency"].items()},
        "p99_ms": {k: round(1000 * percentile(v, 99), 1) for k, v in stats["latency"].items()},
        "failed": dict(stats["failed"]), "first_errors": stats["errors"][:3],
        "isolation_violations": stats["isolation_violations"],
        "role_violations": stats["role_violations"],
        **check,
    }  # fmt: skip


VISITS = {
    # what one click of a clinician loads: a page and the data its scripts fetch, or an API client's reads
    "today": [("page: today", "/")],
    "patient": [("page: patient", "/patients/{pid}"), ("api: chart data", "/ui/patients/{pid}/chart.json")],
    "alerts": [("page: alerts", "/alerts")],
    "session": [("page: session", "/sessions/{sid}")],
    "api": [
        ("api: patient", "/api/patients/{pid}"),
        ("api: scales", "/api/patients/{pid}/scales?limit=100"),
        ("api: sessions", "/api/sessions?patient_id={pid}&limit=100"),
    ],
}


async def reader(
    base: str,
    until: float,
    pids: list[int],
    sids: list[int],
    lat: dict[str, list[float]],
    think: float,
    cold: dict[int, float],
) -> None:
    rng = random.Random()
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await asyncio.sleep(rng.uniform(0, max(think, 0.5)))  # users do not all arrive at once
        headers = await login(client, *DEMO_LOGINS["clinician"])
        while time.monotonic() < until:
            pid, sid = rng.choice(pids), rng.choice(sids)
            for kind, path in VISITS[rng.choice(list(VISITS))]:
                t = time.perf_counter()
                try:
                    r = await client.get(path.format(pid=pid, sid=sid), headers=headers)
                except httpx.RemoteProtocolError:
                    # a keep-alive connection closed by the server as it was reused: retry, as browsers do
                    lat["keep-alive retries"].append(0.0)
                    t = time.perf_counter()
                    r = await client.get(path.format(pid=pid, sid=sid), headers=headers)
                assert r.status_code == 200, (path, r.status_code)
                dt = time.perf_counter() - t
                if kind == "api: chart data" and pid not in cold:
                    # the first chart of a patient fits the record; later ones come from the cache
                    cold[pid] = dt
                    kind = "api: chart data, first view"
                lat[kind].append(dt)
            if think:
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


async def run_read(url: str, clients: int, duration: float, think: float) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as db:
        seed_demo(db)
    with engine.connect() as conn:
        pids = [r[0] for r in conn.execute(text("select id from patients"))]
        sids = [r[0] for r in conn.execute(text("select id from sessions"))]
    engine.dispose()
    server = Server(url)
    server.start()
    lat: dict[str, list[float]] = defaultdict(list)
    cold: dict[int, float] = {}
    try:
        t0 = time.monotonic()
        await asyncio.gather(
            *(reader(server.base, t0 + duration, pids, sids, lat, think, cold) for _ in range(clients))
        )
        elapsed = time.monotonic() - t0
    finally:
        server.stop()
    retries = len(lat.pop("keep-alive retries", []))
    every = [x for v in lat.values() for x in v]
    return {
        "mode": "read", "clients": clients, "think_s": think, "duration_s": round(elapsed, 1),
        "requests": len(every), "requests_per_s": round(len(every) / elapsed, 1),
        "p95_ms_all": round(1000 * percentile(every, 95), 1), "keep_alive_retries": retries,
        "p50_ms_all": round(1000 * percentile(every, 50), 1),
        "p99_ms_all": round(1000 * percentile(every, 99), 1),
        "p50_ms": {k: round(1000 * percentile(v, 50), 1) for k, v in lat.items()},
        "p95_ms": {k: round(1000 * percentile(v, 95), 1) for k, v in lat.items()},
        "p99_ms": {k: round(1000 * percentile(v, 99), 1) for k, v in lat.items()},
        "max_ms": {k: round(1000 * max(v), 1) for k, v in lat.items()},
        "requests_by_kind": {k: len(v) for k, v in lat.items()},
        "over_300ms": {k: sum(x > 0.3 for x in v) for k, v in lat.items()},
        "chart_first_view_ms": sorted(round(1000 * x, 1) for x in cold.values()),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["write", "read"])
    ap.add_argument("--clients", type=int, default=None)
    ap.add_argument("--duration", type=float, default=None, help="seconds")
    ap.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--postgres", action="store_true", help="run on a private PostgreSQL cluster")
    ap.add_argument(
        "--think", type=float, default=5.0, help="read mode: mean seconds between a user's clicks"
    )
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON result here")
    args = ap.parse_args()
    with database(args.url, args.postgres, "load.db") as url:
        if args.mode == "write":
            result = asyncio.run(run_write(url, args.clients or 50, args.duration or 60))
            bad = (
                result["lost"]
                + result["duplicated"]
                + result["isolation_violations"]
                + result["role_violations"]
            )
            ok = bad == 0
        else:
            result = asyncio.run(run_read(url, args.clients or 20, args.duration or 60, args.think))
            ok = True
        result["database"] = url.split(":", 1)[0]
    result["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
    result["cpus"] = os.cpu_count()
    text_out = json.dumps(result, indent=2)
    print(text_out)
    if args.out:
        args.out.write_text(text_out + "\n")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
