"""``objstore cluster``: start and stop the local Ceph cluster and GlusterFS volume."""

from __future__ import annotations

import click


@click.group()
def cluster() -> None:
    """Start, stop and inspect local test clusters (Ceph, GlusterFS) on 127.0.0.1."""


def _add_subgroups() -> None:
    from objstore.cluster.ceph import ceph
    from objstore.cluster.gluster import gluster

    cluster.add_command(ceph)
    cluster.add_command(gluster)


_add_subgroups()
