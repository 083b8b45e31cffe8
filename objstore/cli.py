"""The ``objstore`` command line.

Data commands work like the ``rados`` tool against one store, named with
``-b/--backend`` (a backend name or a URL) or ``-c/--config`` (a ``configs/*.toml``)::

    objstore -b memory put greeting hello.txt
    objstore -c configs/rados-local.toml get greeting -        # to stdout
    objstore -b posix:///tmp/data ls --long

Expected errors print one clear line and exit with a code per error class
(see ``objstore --help``); they never show a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import objstore
from objstore.errors import ALL_ERRORS, ObjstoreError
from objstore.spec import WriteMode
from objstore.store import DEFAULT_CHUNK, Store

err_console = Console(stderr=True)
out_console = Console()

EXIT_CODES_HELP = "Exit codes: 0 ok, 1 failed checks, 2 usage error, " + ", ".join(
    f"{cls.exit_code} {cls.__name__}" for cls in ALL_ERRORS if cls.__name__ != "Timeout"
)


def _parse_option(text: str) -> tuple[str, Any]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="-o/--option")
    value: Any = raw
    if raw.lower() in ("true", "false"):
        value = raw.lower() == "true"
    else:
        try:
            value = int(raw)
        except ValueError:
            try:
                value = float(raw)
            except ValueError:
                value = raw
    return name, value


class ObjstoreGroup(click.Group):
    """Turns objstore errors into one line on stderr and a per-class exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ObjstoreError as exc:
            # soft_wrap: one line whatever the terminal width, so scripts can grep it.
            err_console.print(
                f"[bold red]objstore: {type(exc).__name__}:[/] {escape(str(exc))}",
                highlight=False,
                soft_wrap=True,
            )
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            # `objstore get big - | head` closes our stdout early: not an error.
            sys.stderr.close()
            ctx.exit(0)


@click.group(cls=ObjstoreGroup, epilog=EXIT_CODES_HELP)
@click.option(
    "-b",
    "--backend",
    "backend",
    metavar="NAME|URL",
    help="Backend name (memory, posix, rados...) or URL such as posix:///tmp/data.",
)
@click.option(
    "-c",
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Store config file, e.g. configs/rados-local.toml.",
)
@click.option(
    "-o",
    "--option",
    "options",
    multiple=True,
    metavar="NAME=VALUE",
    help="Backend option (repeatable), e.g. -o root=/tmp/data.",
)
@click.version_option(objstore.__version__, prog_name="objstore")
@click.pass_context
def main(
    ctx: click.Context, backend: str | None, config: str | None, options: tuple[str, ...]
) -> None:
    """objstore: one API, conformance suite and benchmark for object stores.

    Pick a store with -b NAME|URL or -c CONFIG, then a command. Run
    `objstore backends` to see what is available here.
    """
    ctx.obj = {"backend": backend, "config": config, "options": dict(map(_parse_option, options))}


@contextmanager
def _open_store(ctx: click.Context) -> Iterator[Store]:
    settings = ctx.find_root().obj
    if not settings["backend"] and not settings["config"]:
        raise click.UsageError("name a store: objstore -b NAME|URL ... or objstore -c CONFIG ...")
    store = objstore.open(settings["backend"], config=settings["config"], **settings["options"])
    with store:
        yield store


def _input(source: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    path = Path(source)
    if not path.is_file():
        raise click.BadParameter(f"{source} is not a readable file", param_hint="SOURCE")
    return path.open("rb")


# -- backends ---------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def backends(as_json: bool) -> None:
    """List every discovered backend, where it comes from, and whether it works here."""
    from objstore.registry import get_registry

    rows: list[dict[str, Any]] = []
    for info in sorted(get_registry(), key=lambda i: i.name):
        reason = info.unavailable_reason()
        caps = info.capabilities
        rows.append(
            {
                "name": info.name,
                "plugin": info.plugin,
                "available": reason is None,
                "reason": reason or "",
                "install_hint": info.install_hint if reason else "",
                "description": info.description,
                "capabilities": sorted(k for k, v in caps.flags().items() if v) if caps else [],
                "limits": {k: v for k, v in caps.limits().items() if v} if caps else {},
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="objstore backends")
    for column in ("backend", "plugin", "available here", "description"):
        table.add_column(column, overflow="fold")
    for row in rows:
        status = "[green]yes[/]" if row["available"] else f"[red]no[/]: {escape(row['reason'])}"
        if row["install_hint"]:
            status += f"\n[dim]{escape(row['install_hint'])}[/]"
        table.add_row(row["name"], row["plugin"], status, row["description"])
    out_console.print(table)
    out_console.print(_capability_matrix(rows))


def _capability_matrix(rows: list[dict[str, Any]]) -> Table:
    from objstore.spec import Capabilities

    matrix = Table(title="capabilities declared by each backend (limits: - means none)")
    matrix.add_column("capability", no_wrap=True)
    for row in rows:
        matrix.add_column(row["name"], justify="center", overflow="fold")
    for flag in Capabilities().flags():
        matrix.add_row(
            flag, *("[green]✓[/]" if flag in r["capabilities"] else "[dim]-[/]" for r in rows)
        )
    for limit in Capabilities().limits():
        matrix.add_row(limit, *(_human(r["limits"].get(limit)) for r in rows))
    return matrix


def _human(value: int | None) -> str:
    if not value:
        return "-"
    for unit, size in (("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return str(value)


# -- data commands ----------------------------------------------------------------------


@main.command()
@click.argument("key")
@click.argument("source", default="-", metavar="[SOURCE]")
@click.option(
    "-m",
    "--mode",
    type=click.Choice([m.value for m in WriteMode]),
    default="wf",
    show_default=True,
    help="w: write at --offset; wf: replace whole object; wa: append; create: fail if it exists.",
)
@click.option(
    "--offset",
    type=click.IntRange(min=None),
    default=0,
    show_default=True,
    help="Byte offset for mode w.",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=DEFAULT_CHUNK,
    show_default=True,
    help="Bytes read from SOURCE per write.",
)
@click.pass_context
def put(ctx: click.Context, key: str, source: str, mode: str, offset: int, chunk_size: int) -> None:
    """Write SOURCE (a file, or - for stdin) to object KEY, streaming in chunks."""
    with _open_store(ctx) as store:
        stream = _input(source)
        try:
            written = store.put_stream(key, stream, mode, offset=offset, chunk_size=chunk_size)
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
    err_console.print(f"wrote {written} bytes to {key!r}", highlight=False)


@main.command()
@click.argument("key")
@click.argument("target", default="-", metavar="[TARGET]")
@click.option("--offset", type=int, default=0, show_default=True, help="First byte to read.")
@click.option("--length", type=int, default=None, help="Bytes to read (default: to the end).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_CHUNK, show_default=True)
@click.pass_context
def get(
    ctx: click.Context, key: str, target: str, offset: int, length: int | None, chunk_size: int
) -> None:
    """Read object KEY into TARGET (a file, or - for stdout), streaming in chunks."""
    with _open_store(ctx) as store:
        chunks = store.get_stream(key, offset=offset, length=length, chunk_size=chunk_size)
        if target == "-":
            out = sys.stdout.buffer
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            return
        tmp = Path(target + ".objstore-partial")
        try:
            with tmp.open("wb") as f:
                for chunk in chunks:
                    f.write(chunk)
            tmp.replace(target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise click.FileError(target, exc.strerror or str(exc)) from exc
        except BaseException:
            # A failed read must not leave a half-written partial file behind.
            tmp.unlink(missing_ok=True)
            raise


@main.command()
@click.argument("keys", nargs=-1, required=True)
@click.option("-f", "--missing-ok", is_flag=True, help="Do not fail on keys that do not exist.")
@click.pass_context
def rm(ctx: click.Context, keys: tuple[str, ...], missing_ok: bool) -> None:
    """Delete objects."""
    with _open_store(ctx) as store:
        for key in keys:
            store.delete(key, missing_ok=missing_ok)


@main.command()
@click.argument("prefix", default="")
@click.option("-l", "--long", "long_", is_flag=True, help="Show size and mtime (one stat per key).")
@click.option("--sort", is_flag=True, help="Sort keys (holds them all in memory).")
@click.pass_context
def ls(ctx: click.Context, prefix: str, long_: bool, sort: bool) -> None:
    """List keys starting with PREFIX, one per line."""
    with _open_store(ctx) as store:
        keys: Any = store.list(prefix)
        if sort:
            keys = sorted(keys)
        for key in keys:
            if long_:
                st = store.stat(key)
                click.echo(f"{st.size:>14} {_when(st.mtime)} {key}")
            else:
                click.echo(key)


def _when(mtime: float) -> str:
    return datetime.fromtimestamp(mtime, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@main.command()
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def stat(ctx: click.Context, key: str, as_json: bool) -> None:
    """Show the size and modification time of KEY."""
    with _open_store(ctx) as store:
        st = store.stat(key)
    if as_json:
        click.echo(json.dumps({"key": st.key, "size": st.size, "mtime": st.mtime}))
    else:
        click.echo(f"{st.key} mtime {_when(st.mtime)}, size {st.size}")


@main.group()
def meta() -> None:
    """Get, set, list and remove named attributes (xattrs) of an object."""


@meta.command("get")
@click.argument("key")
@click.argument("name")
@click.pass_context
def meta_get(ctx: click.Context, key: str, name: str) -> None:
    """Print the raw value of attribute NAME of KEY."""
    with _open_store(ctx) as store:
        value = store.get_xattr(key, name)
    sys.stdout.buffer.write(value)
    sys.stdout.buffer.flush()


@meta.command("set")
@click.argument("key")
@click.argument("name")
@click.argument("value", required=False)
@click.option(
    "--file", "value_file", type=click.File("rb"), help="Read the value from a file (binary-safe)."
)
@click.pass_context
def meta_set(
    ctx: click.Context, key: str, name: str, value: str | None, value_file: IO[bytes] | None
) -> None:
    """Set attribute NAME of KEY to VALUE (or the contents of --file)."""
    if (value is None) == (value_file is None):
        raise click.UsageError("give exactly one of VALUE or --file")
    raw = value_file.read() if value_file else value.encode()  # type: ignore[union-attr]
    with _open_store(ctx) as store:
        store.set_xattr(key, name, raw)


@meta.command("ls")
@click.argument("key")
@click.option(
    "--values", is_flag=True, help="Also print values (as UTF-8 where possible, else hex)."
)
@click.pass_context
def meta_ls(ctx: click.Context, key: str, values: bool) -> None:
    """List attribute names of KEY."""
    with _open_store(ctx) as store:
        if not values:
            for name in store.list_xattrs(key):
                click.echo(name)
            return
        for name, raw in store.get_xattrs(key).items():
            try:
                shown = raw.decode("utf-8")
            except UnicodeDecodeError:
                shown = "0x" + raw.hex()
            click.echo(f"{name}\t{shown}")


@meta.command("rm")
@click.argument("key")
@click.argument("name")
@click.pass_context
def meta_rm(ctx: click.Context, key: str, name: str) -> None:
    """Remove attribute NAME of KEY."""
    with _open_store(ctx) as store:
        store.remove_xattr(key, name)


def _register_subcommands() -> None:
    from objstore.bench.cli import COMMANDS as BENCH
    from objstore.cluster.cli import cluster
    from objstore.testing.check import check
    from objstore.testing.cli import COMMANDS as TESTING

    main.add_command(cluster)
    main.add_command(check)
    for command in (*BENCH, *TESTING):
        main.add_command(command)


_register_subcommands()
