"""Shared helpers for the local servers: free loopback ports, readiness polling, ServerMissing."""

from __future__ import annotations

import os
import socket
import time

LOOPBACK = "127.0.0.1"


class ServerMissing(Exception):
    """A server binary the local servers need is not installed."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_answers(port: int, host: str = LOOPBACK, timeout: float = 0.2) -> bool:
    """True when something accepts a TCP connection on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port: int, timeout: float, host: str = LOOPBACK) -> bool:
    """Poll until host:port accepts connections; False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_answers(port, host):
            return True
        time.sleep(0.02)
    return False


def log_tail(path: os.PathLike[str] | str, lines: int = 20) -> str:
    """Last `lines` lines of a log file, or a note that it is missing."""
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])
