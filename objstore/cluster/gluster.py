"""``objstore cluster gluster up|down|status``: the local GlusterFS volume for tests.

``up`` starts a private glusterd (its own pid file, logs and state directory under
``$OBJSTORE_GLUSTER_DIR``, default ``/var/tmp/objstore/gluster``), creates and starts one
single-brick volume and writes ``configs/gluster-local.toml``. It is idempotent: on a
running volume it only checks it and rewrites the config. ``down`` stops exactly what
``up`` started and removes the volume (data included); logs stay. No system file is
modified. The details are in :mod:`objstore.cluster._gluster_local`.
"""

from __future__ import annotations

import json
import time
from typing import Any

import click

from objstore.cluster._gluster_local import GlusterSetupError, LocalGluster

_dir = click.option(
    "--dir",
    "data_dir",
    envvar="OBJSTORE_GLUSTER_DIR",
    default=None,
    help="Data directory (env OBJSTORE_GLUSTER_DIR; default /var/tmp/objstore/gluster).",
)
_volume = click.option(
    "--volume",
    envvar="OBJSTORE_GLUSTER_VOLUME",
    default=None,
    help="Volume name (env OBJSTORE_GLUSTER_VOLUME; default objstore).",
)
_json = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _local(data_dir: str | None, volume: str | None) -> LocalGluster:
    return LocalGluster(root=data_dir, volume=volume)


def _show(info: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    state = "healthy" if info["healthy"] else "NOT healthy"
    click.echo(f"gluster volume {info['volume']!r}: {state}")
    click.echo(f"  glusterd pid: {info['glusterd_pid'] or 'not running'}")
    click.echo(f"  volume started: {info['volume_started']}")
    for brick in info["bricks"]:
        online = "online" if brick["online"] else "OFFLINE"
        where = f"{brick['host']}:{brick['path']}"
        click.echo(f"  brick {where} {online} port {brick['port']} pid {brick['pid']}")
    click.echo(f"  config: {info['config'] or 'not written'}")
    click.echo(f"  data dir: {info['data_dir']}  logs: {info['logs']}")


@click.group(name="gluster")
def gluster() -> None:
    """Manage the local single-brick GlusterFS volume the tests use."""


@gluster.command()
@_dir
@_volume
@_json
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait in total.")
def up(data_dir: str | None, volume: str | None, as_json: bool, timeout: float) -> None:
    """Start glusterd and the volume (idempotent) and write configs/gluster-local.toml."""
    local = _local(data_dir, volume)
    started = time.monotonic()
    try:
        info = local.up(timeout=timeout)
    except GlusterSetupError as exc:
        raise click.ClickException(str(exc)) from exc
    info["seconds"] = round(time.monotonic() - started, 2)
    _show(info, as_json)
    if not info["healthy"]:
        raise click.ClickException("the volume is not healthy after `up`; see the logs")


@gluster.command()
@_dir
@_volume
@_json
def down(data_dir: str | None, volume: str | None, as_json: bool) -> None:
    """Stop what `up` started, delete the volume and its data, remove the config."""
    local = _local(data_dir, volume)
    try:
        done = local.down()
    except GlusterSetupError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"done": done}, indent=2))
    else:
        click.echo("\n".join(done) if done else "nothing was running")


@gluster.command()
@_dir
@_volume
@_json
def status(data_dir: str | None, volume: str | None, as_json: bool) -> None:
    """Show glusterd, the volume and the brick; exit 1 when not healthy."""
    info = _local(data_dir, volume).status()
    _show(info, as_json)
    if not info["healthy"]:
        raise SystemExit(1)
