"""CLI commands: ``tutor serve`` runs the HTTP API, the widget and the bots with uvicorn.

The app's lifespan builds the index when it is missing (an incremental ingest of the
bundled lessons, which embeds nothing when they are unchanged), so a fresh machine
goes from ``make run`` to a working tutor in one step. ``--workers N`` starts N
processes (each loads its own model: ~0.4 GB apiece); with more than one, use
``TUTOR_REDIS_URL`` so they share one rate-limit budget. The tutor's own log lines
(the start-up's steps and the URL to open) go through uvicorn's console handler, in
every process (``_log_config``), so a first start is not silent while it builds.

Behind a reverse proxy, uvicorn's ``FORWARDED_ALLOW_IPS`` names the proxy's address:
only connections from there may set the client address with X-Forwarded-For (see
``_forwarded_allow_ips``).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import logging.config
import os
from typing import Annotated, Any

import typer

from core.errors import TutorError
from core.settings import Settings
from deploy.cli.common import cli_errors

M_ARENA_MAX = -8  # glibc mallopt parameter


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's per-thread malloc arenas. Each thread-pool thread otherwise grows its
    own arena while embedding, and the freed memory stays resident: with the default
    (8 x cores) the server's peak RSS under load is ~100 MB higher for no speed gain.
    Same effect as MALLOC_ARENA_MAX=2; a no-op where glibc is absent."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(name).mallopt(M_ARENA_MAX, arenas)


# uvicorn's own default, pinned here so an upgrade cannot widen whom we believe.
TRUST_LOOPBACK = "127.0.0.1,::1"


def _forwarded_allow_ips() -> str:
    """Whose X-Forwarded-For (and -Proto) to believe: ``FORWARDED_ALLOW_IPS``, addresses
    or CIDR networks separated by commas, by default loopback only.

    The rate limit counts ``request.client``, so this decides who can pick the address
    it counts. A learner connecting directly is never believed; a proxy on this machine
    (127.0.0.1) is, and uvicorn then takes the right-most address in the header that is
    not itself trusted, i.e. the peer the proxy saw. Behind a proxy elsewhere set it to
    that proxy's address (compose.yml does); set it to "" to believe nobody, e.g. when
    an SSH tunnel or a plain TCP forwarder on this machine carries outside traffic. "*"
    makes uvicorn believe the left-most entry, which the client writes: warn about it.
    """
    trusted = os.environ.get("FORWARDED_ALLOW_IPS", TRUST_LOOPBACK)
    if trusted.strip() == "*":
        typer.secho(
            "warning: FORWARDED_ALLOW_IPS=* lets any client that reaches this server set "
            "its own address (and so dodge the per-client rate limit); set it to your "
            "proxy's address instead.",
            err=True,
            fg="yellow",
        )
    return trusted


PREPARE_FAILED = 2  # the child's exit code after it printed its own error


def _log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's logging configuration plus the tutor's own loggers (``tutor.*``: start-up
    progress, the model's export, the index build), written by uvicorn's console handler
    in its format. uvicorn applies it in every process it starts, workers included."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["tutor"] = {
        "handlers": ["default"],
        "level": settings.log_level.upper(),
        "propagate": False,  # like uvicorn's: a root handler set up elsewhere never repeats it
    }
    return config


def _prepare(settings: Settings) -> None:
    """The child's work: say what it does, and end with the error's message (not a
    traceback) when the data dir cannot be prepared."""
    import sys

    from deploy.lifespan import prepare_data

    logging.config.dictConfig(_log_config(settings))
    logging.getLogger("tutor.startup").info("preparing %s for the workers", settings.data_dir)
    try:
        prepare_data(settings)
    except TutorError as exc:
        print(f"error[{exc.code}]: {exc.message}", file=sys.stderr)
        sys.exit(PREPARE_FAILED)
    except KeyboardInterrupt:
        sys.exit(130)


def _prepare_in_child(settings: Settings) -> None:
    """Build the index in a short-lived child process (the parent stays small: it only
    supervises the workers), failing here with the child's error rather than in N
    workers at once."""
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=_prepare, args=(settings,))
    child.start()
    try:
        child.join()
    except KeyboardInterrupt:  # Ctrl-C reaches the child too; let it end, then stop
        child.join(10)
        raise typer.Exit(130) from None
    if child.exitcode == PREPARE_FAILED:
        raise typer.Exit(2)  # the child printed the reason
    if child.exitcode != 0:
        raise TutorError(
            f"preparing the data dir {settings.data_dir} failed (exit code {child.exitcode}); "
            "run `tutor index` to see the error"
        )


def serve(
    host: Annotated[str | None, typer.Option(help="interface to bind (default TUTOR_HOST)")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="port (default TUTOR_PORT)")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes")] = 1,
) -> None:
    """Serve the HTTP API, the web widget and the Slack/Discord endpoints."""
    import uvicorn

    from core.settings import get_settings
    from deploy.app import create_app

    _limit_malloc_arenas()
    with cli_errors():
        settings = get_settings()
        # the address served is the one the start-up log tells the learner to open
        settings = settings.model_copy(
            update={"host": host or settings.host, "port": port or settings.port}
        )
        options: dict[str, Any] = {
            "host": settings.host,
            "port": settings.port,
            "log_config": _log_config(settings),
            "log_level": settings.log_level.lower(),
            "proxy_headers": True,  # client addresses from a trusted proxy only:
            "forwarded_allow_ips": _forwarded_allow_ips(),  # see that function
            "timeout_graceful_shutdown": 20,
        }
        if workers > 1:  # each worker process builds its own app from the environment
            _prepare_in_child(settings)
            if host:
                os.environ["TUTOR_HOST"] = host
            if port:
                os.environ["TUTOR_PORT"] = str(port)
            uvicorn.run("deploy.app:create_app", factory=True, workers=workers, **options)
        else:
            uvicorn.run(create_app(settings), **options)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the `tutor` app."""
    app.command("serve")(serve)
