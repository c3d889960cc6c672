"""Throwaway services for tests: a PostgreSQL cluster of our own, installed when missing."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ensure_debian_package", "free_port", "postgres_server"]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_debian_package(package: str, present: bool) -> None:
    """Installs a Debian package when it is missing (as root); never skips a test for it."""
    if present:
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"{package} is missing and only root can install it: run `make sysdeps` as root")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", package],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """Starts a private PostgreSQL cluster on a free loopback port; yields its database URL."""
    ensure_debian_package("postgresql", _pg_bin() is not None)
    bindir = _pg_bin()
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="ketasim-pg-"))
    data, sock, log = root / "data", root / "sock", root / "log"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the unprivileged postgres account.
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        root.chmod(0o755)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    run = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "cwd": "/"}
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "ketasim", "--no-sync"], **run
    )
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log), "-w", "start"], **run
    )
    try:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={port} user=ketasim dbname=postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE ketasim_test")
        yield f"postgresql+psycopg://ketasim@127.0.0.1:{port}/ketasim_test"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], **run
        )
        shutil.rmtree(root, ignore_errors=True)
