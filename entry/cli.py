"""The `narahubung` console script: the application's commands plus `serve`, and the demo given the review app."""

from __future__ import annotations

from contextlib import suppress

import click

from narahubung.cli import console, err_console, main, services_of
from review.serving import make_server


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the staff review app (queue, case page, directory, dashboard) until Ctrl-C."""
    from storage.accounts import count_active_users

    services = services_of(ctx)
    with services.factory() as session:
        if not count_active_users(session):
            err_console.print("[yellow]Belum ada pengguna aktif, jadi belum ada yang bisa masuk. Tambahkan dengan: "
                              "narahubung user add NAMA --role admin[/]")
    console.print(f"Aplikasi tinjauan staf: http://{host}:{port}/  (Ctrl-C untuk berhenti)")
    with suppress(KeyboardInterrupt):  # uvicorn shuts down cleanly, then passes Ctrl-C on
        make_server(services, host, port, log_level="info").run()
    console.print("Aplikasi tinjauan staf dihentikan.")


def wiring() -> dict[str, object]:
    """What the application's commands are handed from above: the review app's server maker (for the demo)."""
    return {"app_server": make_server}


def run() -> None:
    """Entry point of the console script (and of `python -m entry`)."""
    main(obj=wiring())


if __name__ == "__main__":  # pragma: no cover
    run()
