"""``objstore cluster ceph up|down|status``: the local Ceph cluster the tests run against.

``up`` creates (or restarts) one mon, one mgr and one bluestore osd on 127.0.0.1 with
cephx on, all under ``--dir``, and writes ``configs/{rados,rbd,gobridge}-local.toml``.
A second cluster can run beside it with its own ``--dir`` and ``--port``; its configs
are written into its own dir so ``configs/`` stays pointed at the default cluster::

    objstore cluster ceph up --dir /var/tmp/objstore/gb --port 40100
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from objstore.cluster._ceph_local import DAEMONS, CephLocal, ClusterError, default_dir

_dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cluster directory (default: $OBJSTORE_CEPH_DIR or /var/tmp/objstore/ceph), short.",
)
_port_option = click.option(
    "--port",
    type=click.IntRange(1024, 65534),
    default=None,
    help="Mon v2 port (v1 uses port+1). Default: the port the cluster was made with, else 40000.",
)


def _cluster(directory: Path | None, port: int | None) -> CephLocal:
    try:
        return CephLocal(directory or default_dir(), port)
    except ClusterError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(name="ceph")
def ceph() -> None:
    """Manage the local Ceph test cluster (1 mon, 1 mgr, 1 bluestore osd, cephx on)."""


@ceph.command()
@_dir_option
@_port_option
@click.option("-v", "--verbose", is_flag=True, help="Print each setup step with its time.")
def up(directory: Path | None, port: int | None, verbose: bool) -> None:
    """Start the cluster, creating it on first use; fast when it already runs."""
    cluster = _cluster(directory, port)
    started = time.monotonic()
    try:
        action = cluster.up()
    except ClusterError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if verbose:
            for line in cluster.log:
                click.echo(f"  {line}")
    elapsed = time.monotonic() - started
    click.echo(
        f"ceph cluster in {cluster.dir} (mon port {cluster.port}): {action} in {elapsed:.1f}s"
    )
    for backend, path in cluster.config_paths().items():
        click.echo(f"  {backend:9} {path}")


@ceph.command()
@_dir_option
@click.option("--purge", is_flag=True, help="Also delete the cluster directory and its configs.")
def down(directory: Path | None, purge: bool) -> None:
    """Stop the daemons this cluster started (by pid file); leave others alone."""
    cluster = _cluster(directory, None)
    stopped = cluster.down(purge=purge)
    what = ", ".join(stopped) if stopped else "nothing was running"
    click.echo(f"ceph cluster in {cluster.dir}: stopped {what}{' and purged' if purge else ''}")


@ceph.command()
@_dir_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(directory: Path | None, as_json: bool) -> None:
    """Health, pids and paths of the cluster. Exit code 1 when it is not running."""
    cluster = _cluster(directory, None)
    info = cluster.status()
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        state = "running" if info["running"] else ("stopped" if info["exists"] else "absent")
        click.echo(f"ceph cluster in {info['dir']}: {state}, mon port {info['port']}")
        if info["exists"]:
            click.echo(f"  fsid     {info['fsid']}")
            click.echo(f"  health   {info['health']}")
            for daemon in DAEMONS:
                pid = info["pids"][daemon]
                click.echo(f"  {daemon:8} {'pid ' + str(pid) if pid else 'not running'}")
            click.echo(f"  conffile {info['conffile']}")
            click.echo(f"  user     {info['user']} (keyring {info['keyring']})")
            click.echo(f"  pools    {', '.join(info['pools'].values())}")
            for backend, path in info["configs"].items():
                click.echo(f"  {backend:8} {path}")
    if not info["running"]:
        raise SystemExit(1)
