"""A private PostgreSQL cluster on loopback, for tests, the demo and benchmarks."""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

from ._ports import LOOPBACK, ServerMissing, free_port, log_tail

SUPERUSER = "test"
_DB_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SETTINGS_FILE = "narahubung.conf"
INITDB_GLOB = "/usr/lib/postgresql/*/bin/initdb"


def _bin_dir() -> Path:
    """The bin dir of the newest PostgreSQL under /usr/lib/postgresql."""
    found = glob.glob(INITDB_GLOB)
    if not found:
        raise ServerMissing(
            f"PostgreSQL is not installed: no {INITDB_GLOB}. "
            "Install the apt package postgresql (scripts/bootstrap.sh does this)."
        )

    def version(initdb: str) -> tuple[int, ...]:
        name = Path(initdb).parent.parent.name
        return tuple(int(part) for part in re.findall(r"\d+", name))

    return Path(max(found, key=version)).parent


def _fast_tmp_dir() -> str | None:
    # On this project's disks CREATE DATABASE takes ~0.25 s even with fsync off, and
    # ~0.02 s on tmpfs; initdb is about twice as fast there too.
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


class PrivatePostgres:
    """PostgreSQL on 127.0.0.1 and a free port; superuser `test`, trust auth, fsync off.

    As root the cluster is created and run as the `postgres` user (initdb refuses root).
    The default root is a new temp dir, on /dev/shm when available (much faster).
    A given `root` that already holds a cluster is reused, and kept on stop.
    """

    host: str = LOOPBACK

    def __init__(self, root: Path | None = None) -> None:
        self._given_root = Path(root) if root is not None else None
        self._root: Path | None = None
        self.port: int = 0
        self._running = False

    @property
    def root(self) -> Path:
        if self._root is None:
            raise RuntimeError("PrivatePostgres has no root directory yet; call start() first")
        return self._root

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of database `name` on this cluster."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{name}"

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> PrivatePostgres:
        """initdb (unless the root already holds a cluster), then `pg_ctl start -w`."""
        if self._running:
            return self
        bin_dir = _bin_dir()
        self._prepare_root()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                [str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
                "initdb",
            )  # fmt: skip
            with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.write(f"\ninclude_if_exists = '{_SETTINGS_FILE}'\n")
        if not self.port:
            self.port = free_port()
        self._write_settings()
        self._run(
            [str(bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_path), "-w", "-t", "30", "start"],
            "pg_ctl start",
        )
        self._running = True
        atexit.register(self._stop_server)
        return self

    def stop(self) -> None:
        """Fast shutdown; removes the root if we created it."""
        self._stop_server()
        if self._given_root is None and self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
            self.port = 0

    def __enter__(self) -> PrivatePostgres:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        if not _DB_NAME_RE.match(name):
            raise ValueError(f"database name {name!r} must match {_DB_NAME_RE.pattern}")
        with psycopg.connect(
            host=self.host, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)

    # -- internals ---------------------------------------------------------

    def _prepare_root(self) -> None:
        if self._root is not None:
            return
        if self._given_root is not None:
            self._given_root.mkdir(parents=True, exist_ok=True)
            self._root = self._given_root.resolve()
        else:
            self._root = Path(tempfile.mkdtemp(prefix="pg-", dir=_fast_tmp_dir()))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise ServerMissing(
                    "PostgreSQL's `postgres` system user is missing; install the apt package postgresql."
                ) from None
            os.chown(self._root, owner.pw_uid, owner.pw_gid)
        self._root.chmod(0o700)

    def _write_settings(self) -> None:
        # Rewritten on every start, so a reused root gets the new port.
        path = self.data_dir / _SETTINGS_FILE
        path.write_text(
            f"listen_addresses = '{LOOPBACK}'\n"
            f"port = {self.port}\n"
            f"unix_socket_directories = '{self.root}'\n"
            "fsync = off\n"
            "synchronous_commit = off\n"
            "full_page_writes = off\n",
            encoding="utf-8",
        )
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def _run(self, cmd: list[str], what: str) -> None:
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, cwd=self.root, capture_output=True, check=False)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
            raise RuntimeError(
                f"PostgreSQL {what} failed (exit {done.returncode}): {output}\n"
                f"Tail of {self.log_path}:\n{log_tail(self.log_path)}"
            )

    def _stop_server(self) -> None:
        atexit.unregister(self._stop_server)
        if not self._running:
            return
        self._running = False
        self._run(
            [str(_bin_dir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop"],
            "pg_ctl stop",
        )
