"""A private Dovecot IMAP server on loopback, for tests, the demo and benchmarks.

It runs `dovecot -F -c ROOT/dovecot.conf` with its own config, mail, state and log
under ROOT and never touches /etc/dovecot or the system service. Dovecot 2.3 syntax.
"""

from __future__ import annotations

import atexit
import grp
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

import imapclient

from ._ports import LOOPBACK, ServerMissing, free_port, log_tail, make_self_signed_cert, port_answers

START_TIMEOUT = 10.0
STOP_GRACE = 0.3  # seconds between SIGTERM and SIGKILL; a clean stop takes ~5 ms
# Unix socket paths are limited to 108 bytes and dovecot puts sockets a few levels
# below base_dir, so a long ROOT gets its base_dir in a short temp dir instead.
MAX_BASE_DIR_LEN = 60
# Lower case only: dovecot lower-cases login names (auth_username_format = %Lu).
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@+-]*$")
_APPENDUID_RE = re.compile(rb"APPENDUID \d+ (\d+)")
_PORT_ATTEMPTS = 3


class _PortTaken(RuntimeError):
    """Dovecot could not bind one of its ports."""


# root's PATH has /usr/sbin, other users' often does not.
SBIN_DOVECOT = Path("/usr/sbin/dovecot")


def _dovecot_binary() -> str:
    found = shutil.which("dovecot") or (str(SBIN_DOVECOT) if SBIN_DOVECOT.exists() else None)
    if found is None:
        raise ServerMissing(
            "Dovecot is not installed: no `dovecot` binary on PATH or in /usr/sbin. "
            "Install the apt package dovecot-imapd (scripts/bootstrap.sh does this)."
        )
    return found


def _check_traversable(path: Path) -> None:
    # Dovecot's auth process runs as user `dovecot` and must reach the passwd-file;
    # a 0700 parent (mkdtemp, pytest's tmp_path) shows up much later as
    # "[UNAVAILABLE] Temporary authentication failure" at login.
    if os.geteuid() != 0:
        return  # rootless, dovecot runs as us
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            raise ValueError(
                f"{parent} is not world-traversable (mode {oct(parent.stat().st_mode & 0o777)}); "
                "dovecot's auth process could not read its passwd-file under it. "
                "Use a root outside it, e.g. the default tempfile.mkdtemp() one."
            )


def _check_credentials(name: str, password: str) -> None:
    if not _NAME_RE.match(name):
        raise ValueError(f"user name {name!r} must match {_NAME_RE.pattern}")
    if any(ch in password for ch in ":\r\n\0") or not password:
        raise ValueError("password must be non-empty and must not contain ':', CR, LF or NUL")


class PrivateDovecot:
    """Dovecot on 127.0.0.1 with a plain IMAP port and an IMAPS port (self-signed cert).

    Each user has its own passwd-file (PLAIN scheme) under ROOT/users.d, so `add_user`
    takes effect at once while running. (With one shared file dovecot re-stats it at most
    once per second, so a just-added user could fail to log in.) A master user
    (`master_user`, `master_password`) can log into any mailbox as ``"user*admin"``.

    With `oauth2_introspection_url` it also accepts XOAUTH2 and OAUTHBEARER logins: an
    `oauth2` passdb posts each bearer token to that RFC 7662 introspection URL
    (``introspection_mode = post``, form field ``token``) and lets the user in when the
    JSON answer has ``"active": true`` and ``"username"`` equal to the login name, as
    `OAuthTestServer` answers. Password logins keep working.
    """

    host: str = LOOPBACK
    master_user: str = "admin"

    def __init__(
        self,
        users: dict[str, str] | None = None,
        root: Path | None = None,
        oauth2_introspection_url: str | None = None,
        tls: bool = True,
    ) -> None:
        self.tls = tls  # False: no IMAPS port and no STARTTLS (a server that offers no TLS at all)
        self.users: dict[str, str] = dict(users) if users is not None else {"ombudsman": "rahasia"}
        for name, password in self.users.items():
            _check_credentials(name, password)
        self.master_password: str = secrets.token_urlsafe(12)
        if oauth2_introspection_url is not None and any(ch in oauth2_introspection_url for ch in " \r\n\0"):
            raise ValueError("oauth2_introspection_url must not contain spaces, CR, LF or NUL")
        self.oauth2_introspection_url = oauth2_introspection_url
        self._given_root = Path(root) if root is not None else None
        self._root: Path | None = None
        self._base_dir: Path | None = None
        self._own_base_dir = False
        self._proc: subprocess.Popen[bytes] | None = None
        self.port: int = 0
        self.imaps_port: int = 0

    # -- paths -------------------------------------------------------------

    @property
    def root(self) -> Path:
        if self._root is None:
            raise RuntimeError("PrivateDovecot has no root directory yet; call start() first")
        return self._root

    @property
    def conf_path(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    @property
    def cert_path(self) -> Path:
        return self.root / "cert.pem"

    @property
    def key_path(self) -> Path:
        return self.root / "key.pem"

    @property
    def mail_dir(self) -> Path:
        return self.root / "mail"

    @property
    def _users_dir(self) -> Path:
        return self.root / "users.d"

    @property
    def _masters_file(self) -> Path:
        return self.root / "masters"

    @property
    def _oauth2_conf_path(self) -> Path:
        return self.root / "dovecot-oauth2.conf.ext"

    # -- lifecycle ---------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> PrivateDovecot:
        """Write the config, start dovecot and wait until the IMAP port greets."""
        if self.running:
            return self
        binary = _dovecot_binary()
        self._prepare_root()
        if self.port:
            self._write_files()
            self._launch(binary)
            return self
        for attempt in range(_PORT_ATTEMPTS):
            self.port, self.imaps_port = free_port(), free_port()
            self._write_files()
            try:
                self._launch(binary)
                return self
            except _PortTaken:
                # Someone took a port between free_port() and dovecot's bind.
                if attempt == _PORT_ATTEMPTS - 1:
                    raise
        return self

    def stop(self) -> None:
        """Stop dovecot and all its processes (SIGTERM, wait) and remove the root if we created it."""
        self._terminate()
        if self._own_base_dir and self._base_dir is not None:
            shutil.rmtree(self._base_dir, ignore_errors=True)
            self._base_dir, self._own_base_dir = None, False
        if self._given_root is None and self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
            self.port = self.imaps_port = 0

    def restart(self, hard: bool = False) -> None:
        """Stop and start again on the same ports, config and mail directory.

        hard=True kills dovecot and all its processes with SIGKILL, as a crash would;
        connected clients see the connection drop either way.
        """
        if hard:
            self.kill()
        self._terminate()
        self._write_files()
        self._launch(_dovecot_binary())

    def __enter__(self) -> PrivateDovecot:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _prepare_root(self) -> None:
        if self._root is None:
            if self._given_root is not None:
                root = self._given_root.resolve()
                _check_traversable(root.parent)
                root.mkdir(parents=True, exist_ok=True)
            else:
                root = Path(tempfile.mkdtemp(prefix="dovecot-"))
                _check_traversable(root.parent)
            root.chmod(0o755)
            self._root = root
        if self._base_dir is None:
            if len(str(self._root / "run")) <= MAX_BASE_DIR_LEN:
                self._base_dir = self._root / "run"
            else:
                self._base_dir = Path(tempfile.mkdtemp(prefix="dc-"))
                self._base_dir.chmod(0o755)
                self._own_base_dir = True
        for sub in ("mail", "state", "users.d"):
            (self._root / sub).mkdir(exist_ok=True)
        if os.geteuid() == 0:
            # Dovecot refuses mail uid 0, so mail is owned by nobody.
            os.chown(self.mail_dir, 65534, 65534)
        if not self.cert_path.exists():
            self._make_cert()

    def _make_cert(self) -> None:
        make_self_signed_cert(self.cert_path, self.key_path)

    def _write_files(self) -> None:
        self._users_dir.chmod(0o755)
        for name, password in self.users.items():
            self._write_user_file(name, password)
        _write_passwd_file(self._masters_file, self.master_user, self.master_password)
        if self.oauth2_introspection_url is not None:
            self._oauth2_conf_path.write_text(self._oauth2_config())
            self._oauth2_conf_path.chmod(0o644)  # read by the auth process (user dovecot)
        self.conf_path.write_text(self._config())

    def _write_user_file(self, name: str, password: str) -> None:
        _write_passwd_file(self._users_dir / name, name, password)

    def _config(self) -> str:
        root, base = self.root, self._base_dir
        if os.geteuid() == 0:
            uid = gid = 65534
            identity = ""
        else:
            uid, gid = os.getuid(), os.getgid()
            user, group = pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
            identity = (
                f"default_internal_user = {user}\ndefault_internal_group = {group}\n"
                f"default_login_user = {user}\n"
                "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}\n"
            )
        mechanisms, oauth2_passdb = "plain login", ""
        if self.oauth2_introspection_url is not None:
            mechanisms += " xoauth2 oauthbearer"
            oauth2_passdb = (
                "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                f"  args = {self._oauth2_conf_path}\n}}\n"
            )
        return f"""# Written by narahubung.localservers.PrivateDovecot; rewritten on every start.
protocols = imap
listen = {LOOPBACK}
base_dir = {base}
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = {"yes" if self.tls else "no"}
ssl_cert = <{self.cert_path}
ssl_key = <{self.key_path}
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
auth_verbose = yes
auth_master_user_separator = *
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
first_valid_gid = {gid}
{identity}
passdb {{
  driver = passwd-file
  master = yes
  args = scheme=PLAIN username_format=%u {self._masters_file}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self._users_dir}/%u
}}
{oauth2_passdb}userdb {{
  driver = static
  args = home={root}/mail/%u
}}
# Without this every failed login from 127.0.0.1 waits longer (0.5 s, 4.5 s, ...).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {LOOPBACK}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {LOOPBACK}
    port = {self.imaps_port if self.tls else 0}
    ssl = yes
  }}
}}
"""

    def _oauth2_config(self) -> str:
        # Dovecot 2.3 `oauth2` passdb args file. Without tokeninfo_url every token goes
        # straight to introspection; a token is accepted only if the answer's `active`
        # is true and its `username` equals the login name (both lower-cased, %Lu).
        return f"""# Written by narahubung.localservers.PrivateDovecot; rewritten on every start.
introspection_mode = post
introspection_url = {self.oauth2_introspection_url}
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
"""

    def _launch(self, binary: str) -> None:
        assert self._base_dir is not None
        self._base_dir.mkdir(exist_ok=True)
        # Early config errors go to stderr, before dovecot opens log_path itself.
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [binary, "-F", "-c", str(self.conf_path)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True,  # own process group, so kill() reaches every child
            )  # fmt: skip
        atexit.register(self._terminate)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            if _imap_greets(self.port) and (not self.tls or port_answers(self.imaps_port)):
                return
            time.sleep(0.02)
        code = self._proc.poll()
        self._terminate()
        state = f"exited with code {code}" if code is not None else f"did not answer within {START_TIMEOUT:.0f} s"
        tail = log_tail(self.log_path)
        error = _PortTaken if "Address already in use" in tail else RuntimeError
        raise error(f"dovecot on 127.0.0.1:{self.port} {state}. Tail of {self.log_path}:\n{tail}")

    def kill(self) -> None:
        """SIGKILL dovecot and every process it started (its own process group)."""
        if self._proc is not None:
            _signal_group(self._proc, signal.SIGKILL)
            self._proc.wait()

    def _terminate(self) -> None:
        # SIGTERM goes to the whole process group: sent to the master alone, it exits
        # after ~1 s and leaves logged-in imap processes running, still serving clients.
        # With the group signalled, the imap processes say BYE and exit in a few ms, but
        # the master then sometimes sleeps 1-6 s waiting for anvil/log, hence the SIGKILL.
        atexit.unregister(self._terminate)
        proc, self._proc = self._proc, None
        if proc is None:
            return
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        deadline = time.monotonic() + STOP_GRACE
        while _group_alive(proc.pid) and time.monotonic() < deadline + 5.0:
            if time.monotonic() > deadline:
                _signal_group(proc, signal.SIGKILL)
            time.sleep(0.01)

    # -- users -------------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        """Add a user with an empty mailbox; it can log in at once, also while running."""
        _check_credentials(name, password)
        if name in self.users:
            raise ValueError(f"user {name!r} already exists")
        self.users[name] = password
        if self._root is not None and self._users_dir.is_dir():
            self._write_user_file(name, password)

    def url(self, user: str = "ombudsman", folder: str = "INBOX", tls: bool = False, starttls: bool = False,
            host: str | None = None) -> str:
        """``imap://user:pass@127.0.0.1:PORT/FOLDER`` (or ``imaps://`` on the IMAPS port, or
        ``?tls=starttls`` on the plain port); `host` e.g. "localhost" to match the certificate's name."""
        password = self._password(user)
        scheme, port = ("imaps", self.imaps_port) if tls else ("imap", self.port)
        credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
        query = "?tls=starttls" if starttls else ""
        return f"{scheme}://{credentials}@{host or self.host}:{port}/{quote(folder, safe='/')}{query}"

    def _password(self, user: str) -> str:
        try:
            return self.users[user]
        except KeyError:
            raise KeyError(f"no user {user!r} on this PrivateDovecot; add it with add_user()") from None

    # -- IMAP helpers ------------------------------------------------------

    def client(self, user: str = "ombudsman") -> imapclient.IMAPClient:
        """A logged-in plain-IMAP client (ssl=False); the caller logs out."""
        c = imapclient.IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        try:
            c.login(user, self._password(user))
        except BaseException:
            c.shutdown()
            raise
        return c

    @contextmanager
    def _session(self, user: str) -> Iterator[imapclient.IMAPClient]:
        c = self.client(user)
        try:
            yield c
        finally:
            c.logout()

    def append(
        self, raw: bytes, user: str = "ombudsman", folder: str = "INBOX", flags: Iterable[bytes | str] = ()
    ) -> int:
        """Append a message (creating the folder if missing) and return its UID."""
        with self._session(user) as c:
            if folder.upper() != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            response = c.append(folder, raw, flags=tuple(flags))
        match = _APPENDUID_RE.search(response)
        if match is None:
            raise RuntimeError(f"APPEND answered without APPENDUID: {response!r}")
        return int(match.group(1))

    def messages(self, user: str = "ombudsman", folder: str = "INBOX") -> dict[int, bytes]:
        """UID -> raw message, read with BODY.PEEK[] so \\Seen is untouched; {} if no such folder."""
        with self._session(user) as c:
            uids = self._select_all(c, folder)
            if not uids:
                return {}
            fetched = c.fetch(uids, ["BODY.PEEK[]"])
        return {uid: fetched[uid][b"BODY[]"] for uid in sorted(fetched)}

    def flags(self, user: str = "ombudsman", folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        """UID -> flags, without the per-session \\Recent; {} if no such folder."""
        with self._session(user) as c:
            uids = self._select_all(c, folder)
            if not uids:
                return {}
            fetched = c.fetch(uids, ["FLAGS"])
        return {
            uid: tuple(f for f in fetched[uid][b"FLAGS"] if f != b"\\Recent") for uid in sorted(fetched)
        }

    @staticmethod
    def _select_all(c: imapclient.IMAPClient, folder: str) -> list[int]:
        if folder.upper() != "INBOX" and not c.folder_exists(folder):
            return []
        c.select_folder(folder, readonly=True)
        return list(c.search("ALL"))


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal the process group led by `proc` (started with start_new_session)."""
    # A group id cannot be reused while the group has members, so once the leader is
    # gone the group is still ours exactly when some member is still alive.
    if proc.poll() is not None and not _group_alive(proc.pid):
        return
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def _group_alive(pgid: int) -> bool:
    """True while a non-zombie process of process group `pgid` exists."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # Fields after the ")" that ends the command name: state ppid pgrp ...
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _write_passwd_file(path: Path, name: str, password: str) -> None:
    # Written whole and renamed into place so the auth process never reads half a line;
    # mode 0644 because it runs as user `dovecot`.
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(f"{name}:{{PLAIN}}{password}::::::\n", encoding="utf-8")
    tmp.chmod(0o644)
    os.replace(tmp, path)


def _imap_greets(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5) as sock:
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False
