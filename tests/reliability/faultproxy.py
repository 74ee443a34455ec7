"""A fault-injecting TCP proxy on loopback, for the reliability tests.

`FaultProxy(target_port, seed, faults)` listens on 127.0.0.1 and forwards each connection to
127.0.0.1:target_port. A seeded `random.Random` picks, per connection, one fault by weight:

- `pass`: forward untouched;
- `reset`: reset the client's connection at once (RST), the server is never contacted;
- `greet_421`: answer the SMTP client ``421`` and close, as a busy server does;
- `stall`: wait `stall_ms` before forwarding anything;
- `cut_up`: reset both sides after K bytes client→server (a cut in the middle of a command or a message);
- `cut_down`: reset both sides after K bytes server→client (a cut in the middle of a FETCH or a reply);
- `lost_reply`: forward everything, but when the server answers the command that stores something (the
  reply after the client's ``\\r\\n.\\r\\n`` in SMTP, the ``APPENDUID`` answer in IMAP), drop that answer
  and reset the client: the server has stored it, the client never hears so;
- `stall_reply`: the same answer arrives only after `reply_stall_ms` (longer than the client's timeout).

Bounded: after `max_faults` faults, or `time_limit_s` after start, every connection passes; every socket
has a timeout; `stop()` closes everything. Counts of what was chosen and what actually fired are in
`chosen` and `fired`.
"""

from __future__ import annotations

import contextlib
import random
import select
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Self

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Protocol:
    """How to recognise the server's answer that confirms a stored message."""

    name: str

    def confirms(self, client_tail: bytes, server_chunk: bytes) -> bool:
        if self.name == "smtp":
            return client_tail.endswith(b"\r\n.\r\n")
        return b"APPENDUID" in server_chunk


SMTP = Protocol("smtp")
IMAP = Protocol("imap")


@dataclass
class FaultPlan:
    weights: dict[str, float]
    stall_ms: tuple[int, int] = (50, 400)
    reply_stall_ms: tuple[int, int] = (2500, 3000)  # longer than the client's timeout
    cut_after: tuple[int, int] = (10, 4000)
    max_faults: int = 60
    time_limit_s: float = 120.0


class FaultProxy:
    def __init__(self, target_port: int, seed: int, plan: FaultPlan, protocol: Protocol) -> None:
        self.target_port = target_port
        self.rng = random.Random(seed)
        self.plan = plan
        self.protocol = protocol
        self.chosen: Counter[str] = Counter()
        self.fired: Counter[str] = Counter()
        self.connections = 0
        self._lock = threading.Lock()
        self._faults = 0
        self._started = 0.0
        self._server: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((LOOPBACK, 0))
        server.listen(64)
        server.settimeout(0.2)
        self._server, self.port = server, server.getsockname()[1]
        self._started = time.monotonic()
        thread = threading.Thread(target=self._accept, name=f"faultproxy-{self.port}", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        with self._lock:
            for sock in list(self._sockets):
                _close(sock)
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- choosing ----------------------------------------------------------------------------------

    def _choose(self) -> tuple[str, int]:
        with self._lock:
            self.connections += 1
            names = list(self.plan.weights)
            fault = self.rng.choices(names, weights=[self.plan.weights[n] for n in names])[0]
            span = {"cut_up": self.plan.cut_after, "cut_down": self.plan.cut_after,
                    "stall_reply": self.plan.reply_stall_ms}.get(fault, self.plan.stall_ms)
            number = self.rng.randint(*span)
            expired = time.monotonic() - self._started > self.plan.time_limit_s
            if fault != "pass" and (self._faults >= self.plan.max_faults or expired):
                fault = "pass"
            if fault != "pass":
                self._faults += 1
            self.chosen[fault] += 1
            return fault, number

    def _fire(self, fault: str) -> None:
        with self._lock:
            self.fired[fault] += 1

    # --- forwarding --------------------------------------------------------------------------------

    def _accept(self) -> None:
        assert self._server is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            thread.start()
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._sockets.update(socks)

    def _serve(self, client: socket.socket) -> None:
        fault, number = self._choose()
        self._track(client)
        upstream: socket.socket | None = None
        try:
            if fault == "reset":
                self._fire(fault)
                return _reset(client)
            if fault == "greet_421":
                self._fire(fault)
                client.sendall(b"421 4.3.2 layanan sibuk, coba lagi nanti\r\n")
                return _close(client)
            if fault == "stall":
                self._fire(fault)
                time.sleep(number / 1000)
            upstream = socket.create_connection((LOOPBACK, self.target_port), timeout=10)
            self._track(upstream)
            self._pump(client, upstream, fault, number)
        except OSError:
            pass
        finally:
            _close(client)
            if upstream is not None:
                _close(upstream)
            with self._lock:
                self._sockets.discard(client)
                if upstream is not None:
                    self._sockets.discard(upstream)

    def _pump(self, client: socket.socket, upstream: socket.socket, fault: str, number: int) -> None:
        up = down = 0
        tail = b""
        deadline = time.monotonic() + 60  # no connection lives longer than this
        while not self._stopping.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([client, upstream], [], [], 0.5)
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                if sock is client:
                    if fault == "cut_up" and up + len(data) >= number:
                        upstream.sendall(data[: max(number - up, 0)])
                        self._fire(fault)
                        _reset(upstream)
                        return _reset(client)
                    up += len(data)
                    tail = (tail + data)[-8:]
                    upstream.sendall(data)
                else:
                    if fault in ("lost_reply", "stall_reply") and self.protocol.confirms(tail, data):
                        self._fire(fault)
                        if fault == "lost_reply":
                            return _reset(client)
                        time.sleep(number / 1000)
                    if fault == "cut_down" and down + len(data) >= number:
                        client.sendall(data[: max(number - down, 0)])
                        self._fire(fault)
                        _reset(upstream)
                        return _reset(client)
                    down += len(data)
                    client.sendall(data)


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN (SO_LINGER 0), as a dropped connection looks to the peer."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()
