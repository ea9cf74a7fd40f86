"""A PostgreSQL primary and its streaming replica, for tests: two servers of our own in a
temporary folder, on free ports of 127.0.0.1, made with the installed server binaries
(initdb, pg_ctl, pg_basebackup), trusted locally, stopped and removed by `close()`.

    cluster = ReplicatedPostgres.find_binaries()   # None when the binaries are absent
    with cluster:
        cluster.start_primary(); ...; cluster.start_replica()
        cluster.primary_url("shop"), cluster.replica_url("shop")

PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user, who
owns the folder.
"""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

BINARIES = ("initdb", "pg_ctl", "pg_basebackup")
# Fast and throwaway: nothing here has to survive a crash of the machine.
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def binary_folders() -> list[Path]:
    found = []
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        found.append(Path(subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                         text=True, check=True).stdout.strip()))
    found += sorted((Path(path) for path in glob.glob("/usr/lib/postgresql/*/bin")),
                    key=lambda path: int(path.parent.name), reverse=True)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ReplicatedPostgres:
    def __init__(self, bindir: Path, run_as: str | None):
        self.bindir, self.run_as = bindir, run_as
        self.root = Path(tempfile.mkdtemp(prefix="shop_replica_"))
        self.primary_port, self.replica_port = free_port(), free_port()
        self.started: list[Path] = []
        if run_as:
            record = pwd.getpwnam(run_as)
            os.chown(self.root, record.pw_uid, record.pw_gid)

    @classmethod
    def find_binaries(cls) -> "ReplicatedPostgres | str":
        """A cluster to start, or why there cannot be one."""
        bindir = next((folder for folder in binary_folders()
                       if all((folder / name).exists() for name in BINARIES)), None)
        if bindir is None:
            return "PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are not installed"
        run_as = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root, and there is no postgres user to run PostgreSQL as"
            run_as = "postgres"
        return cls(bindir, run_as)

    def __enter__(self) -> "ReplicatedPostgres":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the servers ---------------------------------------------------------------------------

    def start_primary(self, *databases: str) -> None:
        self._run("initdb", "-D", self.primary, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync")
        self._start(self.primary, self.primary_port)
        with psycopg.connect(self.primary_url("postgres"), autocommit=True) as connection:
            for name in databases:
                connection.execute(f'CREATE DATABASE "{name}"')

    def start_replica(self) -> None:
        """A copy of the primary as it is now, following it by streaming replication."""
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port),
                  "-U", "postgres", "-D", self.replica, "-R", "-X", "stream", "-c", "fast")
        self._start(self.replica, self.replica_port)

    def stop_replica(self) -> None:
        self._stop(self.replica)

    def close(self) -> None:
        for folder in reversed(self.started):
            self._stop(folder)
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def primary(self) -> Path:
        return self.root / "primary"

    @property
    def replica(self) -> Path:
        return self.root / "replica"

    def primary_url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.primary_port}/{database}"

    def replica_url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.replica_port}/{database}"

    # -- replication ---------------------------------------------------------------------------

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far. With
        synchronous_commit off a commit may still sit in the WAL buffers, past what
        pg_current_wal_lsn() says was written: the target is where the WAL was inserted up
        to, which the WAL writer sends on within its delay."""
        with psycopg.connect(self.primary_url("postgres"), autocommit=True) as primary:
            target = primary.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.replica_url("postgres"), autocommit=True) as replica:
            while time.monotonic() < deadline:
                behind = replica.execute(
                    "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn()) > 0", [target]
                ).fetchone()[0]
                if not behind:
                    return
                time.sleep(0.05)
        raise TimeoutError(f"the replica did not replay the primary's WAL in {timeout} s")

    def pause_replay(self) -> None:
        """The replica keeps receiving the primary's WAL but applies none of it."""
        self._on_replica("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while self._on_replica("SELECT pg_get_wal_replay_pause_state()") != "paused":
            if time.monotonic() > deadline:
                raise TimeoutError("the replica did not pause its replay")
            time.sleep(0.05)

    def resume_replay(self) -> None:
        self._on_replica("SELECT pg_wal_replay_resume()")

    def _on_replica(self, sql: str):
        with psycopg.connect(self.replica_url("postgres"), autocommit=True) as replica:
            return replica.execute(sql).fetchone()[0]

    # -- commands ------------------------------------------------------------------------------

    def _start(self, folder: Path, port: int) -> None:
        options = (f"-c port={port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.root} {SERVER_OPTIONS}")
        self._run("pg_ctl", "-D", folder, "-l", folder.with_suffix(".log"), "-w", "-t", "60",
                  "-o", options, "start")
        self.started.append(folder)

    def _stop(self, folder: Path) -> None:
        if folder in self.started:
            self.started.remove(folder)
            self._run("pg_ctl", "-D", folder, "-m", "immediate", "-w", "stop", check=False)

    def _run(self, binary: str, *args, check: bool = True) -> None:
        command = [str(self.bindir / binary), *map(str, args)]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(command, cwd=self.root, capture_output=True, text=True,
                                timeout=120, check=False)
        if check and result.returncode:
            raise RuntimeError(f"{binary} failed ({result.returncode}):\n{result.stderr}"
                               f"{self._logs()}")

    def _logs(self) -> str:
        return "".join(f"\n--- {log.name}\n{log.read_text()[-3000:]}"
                       for log in sorted(self.root.glob("*.log")))
