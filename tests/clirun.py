"""The `narahubung` command run in-process with click's CliRunner, for tests where a new Python process is
not the point (a process costs seconds of imports; SIGTERM and the demo's servers keep their own tests)."""

from __future__ import annotations

import signal

from click.testing import CliRunner, Result


def narahubung(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """Run `narahubung ARGS` with `env` added to the environment; result.stdout, .stderr, .exit_code."""
    from entry.cli import main, wiring

    previous = signal.getsignal(signal.SIGTERM)  # `main` makes SIGTERM end like Ctrl-C; keep pytest's
    try:
        return CliRunner().invoke(main, list(args), env={"COLUMNS": "200", **(env or {})}, input=input,
                                  catch_exceptions=False, obj=wiring())
    finally:
        signal.signal(signal.SIGTERM, previous)
