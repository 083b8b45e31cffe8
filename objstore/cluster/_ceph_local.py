"""The machinery behind ``objstore cluster ceph``: a one-node Ceph cluster under one directory.

Layout of ``DIR`` (kept short: unix socket paths are limited to 107 bytes)::

    ceph.conf                 generated from configs/ceph.conf.in
    state.json                fsid, mon port, osd uuid (what `up` needs to restart the cluster)
    client.admin.keyring      full caps, for setup and tests only
    client.objstore.keyring   the restricted user the backends use
    mon.a/ mgr.x/ osd.0/      daemon data (osd.0/block is a sparse file)
    run/                      pid files and admin sockets
    log/                      daemon logs

Nothing here installs anything: missing binaries or bindings are reported with the apt
command that provides them. Setup talks to the mon through python-rados as client.admin
rather than spawning the ``ceph`` CLI per command (each spawn costs ~0.5 s on 2 cores).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DIR = "/var/tmp/objstore/ceph"
DEFAULT_PORT = 40000
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = PROJECT_ROOT / "configs"

RADOS_POOL = "objstore"
RBD_POOL = "objstore-rbd"
NOACCESS_POOL = "objstore-noaccess"
"""A pool client.objstore has no caps on: the permission tests write, read and list it."""
USER = "client.objstore"
ADMIN = "client.admin"

MOUNT_TIMEOUT = 10
OSD_OP_TIMEOUT = 30
MON_OP_TIMEOUT = 30
OSD_SIZE = "10G"

DAEMONS: dict[str, tuple[str, list[str]]] = {
    "mon.a": ("ceph-mon", ["--id", "a"]),
    "osd.0": ("ceph-osd", ["--id", "0"]),
    "mgr.x": ("ceph-mgr", ["--id", "x"]),
}
"""Daemon name -> (binary, arguments). Started in this order, stopped in reverse."""

BINARIES = ("ceph-mon", "ceph-osd", "ceph-mgr", "ceph-authtool", "monmaptool")
APT_HINT = (
    "apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-mgr ceph-common "
    "python3-rados python3-rbd"
)

# client.objstore: read-write on its two pools only. `profile rbd` on the rbd pool adds the
# class methods librbd calls; the mon `profile rbd` lets librbd blocklist a dead lock owner.
USER_CAPS = {
    "mon": "profile rbd",
    "osd": f"allow rw pool={RADOS_POOL}, profile rbd pool={RBD_POOL}",
}


class ClusterError(Exception):
    """The local cluster could not be started, stopped or inspected."""


def default_dir() -> Path:
    return Path(os.environ.get("OBJSTORE_CEPH_DIR", DEFAULT_DIR))


def config_dir() -> Path:
    from objstore.testing.targets import CONFIG_DIR

    return CONFIG_DIR


@dataclass
class CephLocal:
    """One local cluster, identified by its directory."""

    dir: Path
    port: int | None = None
    """Mon v2 port (v1 is port+1); None: the port the cluster was created with, else 40000."""
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # abspath, not resolve(): keep the path the user gave (socket paths stay short).
        self.dir = Path(os.path.abspath(self.dir))  # noqa: PTH100
        state = self.state()
        if state and self.port is not None and int(state["port"]) != self.port:
            raise ClusterError(
                f"the cluster in {self.dir} was created with --port {state['port']}, not "
                f"{self.port}; run `down --purge` first or drop --port"
            )
        if self.port is None:
            self.port = int(state["port"]) if state else DEFAULT_PORT

    # -- paths --------------------------------------------------------------------------

    @property
    def conf(self) -> Path:
        return self.dir / "ceph.conf"

    @property
    def admin_keyring(self) -> Path:
        return self.dir / f"{ADMIN}.keyring"

    @property
    def user_keyring(self) -> Path:
        return self.dir / f"{USER}.keyring"

    @property
    def is_default(self) -> bool:
        return self.dir == Path(os.path.abspath(default_dir()))  # noqa: PTH100

    @property
    def config_target(self) -> Path:
        """Where the backend configs go: configs/ for the default dir, else the dir itself."""
        return config_dir() if self.is_default else self.dir

    def config_paths(self) -> dict[str, Path]:
        return {b: self.config_target / f"{b}-local.toml" for b in ("rados", "rbd", "gobridge")}

    def pid_file(self, daemon: str) -> Path:
        return self.dir / "run" / f"{daemon}.pid"

    def state(self) -> dict[str, Any] | None:
        path = self.dir / "state.json"
        if not path.is_file():
            return None
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    # -- processes ----------------------------------------------------------------------

    def pid(self, daemon: str) -> int | None:
        """The pid of ``daemon`` when it runs *for this cluster*, else None.

        A pid file alone is not enough (pids are reused): the process's command line
        must be the daemon's binary with this cluster's ceph.conf.
        """
        try:
            pid = int(self.pid_file(daemon).read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return None
        binary = DAEMONS[daemon][0].encode()
        if not cmdline or not cmdline[0].endswith(binary) or str(self.conf).encode() not in cmdline:
            return None
        return pid

    def pids(self) -> dict[str, int | None]:
        return {daemon: self.pid(daemon) for daemon in DAEMONS}

    def _run(self, *args: str, timeout: float = 120) -> str:
        started = time.monotonic()
        proc = subprocess.run(
            list(args), capture_output=True, text=True, timeout=timeout, check=False
        )
        self.log.append(f"{time.monotonic() - started:5.2f}s {' '.join(args[:3])}")
        if proc.returncode != 0:
            raise ClusterError(
                f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}"
            )
        return proc.stdout

    def start_daemon(self, daemon: str) -> None:
        """Start one daemon (it daemonizes itself and writes its pid file)."""
        if self.pid(daemon) is not None:
            return
        binary, args = DAEMONS[daemon]
        self._run(binary, "-c", str(self.conf), *args)
        deadline = time.monotonic() + 15
        while self.pid(daemon) is None:
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"{daemon} did not start; see {self.dir / 'log' / (daemon + '.log')}"
                )
            time.sleep(0.05)

    def stop_daemon(self, daemon: str, timeout: float = 20) -> bool:
        """SIGTERM the daemon this cluster started (SIGKILL after ``timeout``). True if it ran."""
        pid = self.pid(daemon)
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.pid(daemon) == pid:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                deadline += 5
            time.sleep(0.05)
        return True

    # -- admin connection ---------------------------------------------------------------

    @contextmanager
    def admin(self, timeout: int = 10) -> Iterator[Any]:
        """A python-rados connection as client.admin with short timeouts."""
        try:
            import rados
        except ImportError as exc:
            raise ClusterError(f"python3-rados is not importable ({exc}); {APT_HINT}") from exc
        cluster = rados.Rados(
            conffile=str(self.conf),
            name=ADMIN,
            conf={
                "keyring": str(self.admin_keyring),
                "client_mount_timeout": str(timeout),
                "rados_mon_op_timeout": str(timeout),
                "rados_osd_op_timeout": str(timeout),
            },
        )
        try:
            cluster.connect()
            yield cluster
        finally:
            cluster.shutdown()

    @staticmethod
    def mon_command(cluster: Any, prefix: str, **args: Any) -> str:
        ret, out, err = cluster.mon_command(
            json.dumps({"prefix": prefix, "format": "json", **args}), b""
        )
        if ret != 0:
            raise ClusterError(f"ceph {prefix} {args}: {err} ({ret})")
        return str(out.decode() if isinstance(out, bytes) else out)

    # -- the three commands -------------------------------------------------------------

    def check_tools(self) -> None:
        missing = [b for b in BINARIES if shutil.which(b) is None]
        if missing:
            raise ClusterError(f"missing {', '.join(missing)}; install Ceph first: {APT_HINT}")

    def up(self) -> str:
        """Start the cluster (create it first when the dir has none). Returns what it did."""
        if self.state() and all(self.pids().values()):
            self.write_configs()
            return "already running"
        self.check_tools()
        if self.state() is None:
            self._create()
            action = "created"
        else:
            self._write_conf(self.state() or {})
            for daemon in DAEMONS:
                self.start_daemon(daemon)
            action = "restarted"
        self.wait_ready()
        self.write_configs()
        return action

    def down(self, purge: bool = False) -> list[str]:
        """Stop exactly the daemons this cluster's pid files name; ``purge`` deletes the dir."""
        stopped = [d for d in reversed(DAEMONS) if self.stop_daemon(d)]
        if purge:
            if self.dir.is_dir() and (self.dir / "state.json").exists():
                shutil.rmtree(self.dir)
            if self.is_default:
                for path in self.config_paths().values():
                    path.unlink(missing_ok=True)
        return stopped

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the rados pool takes a write (osd up, PGs active)."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        with self.admin() as cluster:
            ioctx = cluster.open_ioctx(RADOS_POOL)
            try:
                while time.monotonic() < deadline:
                    try:
                        ioctx.write_full("objstore-cluster-probe", b"ok")
                        ioctx.remove_object("objstore-cluster-probe")
                        return
                    except Exception as exc:  # TimedOut while PGs peer; retry
                        last = exc
                        time.sleep(0.2)
            finally:
                ioctx.close()
        raise ClusterError(f"the osd did not become writable within {timeout:.0f}s: {last}")

    # -- creation -----------------------------------------------------------------------

    def _write_conf(self, state: dict[str, Any]) -> None:
        text = (TEMPLATE_DIR / "ceph.conf.in").read_text()
        self.conf.write_text(self._fill(text, fsid=state["fsid"]))

    def _fill(self, text: str, **extra: str) -> str:
        values = {
            "DIR": str(self.dir),
            "PORT": str(self.port),
            "PORT_V1": str((self.port or 0) + 1),
            "CONF": str(self.conf),
            "USER": USER,
            "KEYRING": str(self.user_keyring),
            "RADOS_POOL": RADOS_POOL,
            "RBD_POOL": RBD_POOL,
            "MOUNT_TIMEOUT": str(MOUNT_TIMEOUT),
            "OSD_OP_TIMEOUT": str(OSD_OP_TIMEOUT),
            "MON_OP_TIMEOUT": str(MON_OP_TIMEOUT),
            "OSD_SIZE": OSD_SIZE,
            **{k.upper(): v for k, v in extra.items()},
        }
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        leftover = re.findall(r"@[A-Z][A-Z0-9_]*@", text)
        if leftover:
            raise ClusterError(f"unfilled template placeholders: {sorted(set(leftover))}")
        return text

    def _keyring(self, path: Path, name: str, caps: dict[str, str]) -> None:
        args = ["ceph-authtool", "--create-keyring", str(path), "--gen-key", "-n", name]
        for service, cap in caps.items():
            args += ["--cap", service, cap]
        self._run(*args)
        path.chmod(0o600)

    def _create(self) -> None:
        if self.dir.exists() and any(self.dir.iterdir()):
            raise ClusterError(f"{self.dir} exists and holds no cluster; remove it or pick --dir")
        if len(str(self.dir / "run" / "mgr.x.asok")) > 100:
            raise ClusterError(
                f"{self.dir} is too long for unix socket paths; pick a shorter --dir"
            )
        for sub in ("run", "log", "mon.a", "mgr.x", "osd.0"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o700)
        state: dict[str, str] = {
            "fsid": str(uuid.uuid4()),
            "port": str(self.port),
            "osd_uuid": str(uuid.uuid4()),
        }
        self._write_conf(state)

        # Every key is made up front and imported into the mon keyring before mkfs, so the
        # mon starts knowing all of them: no `auth add` round trips later.
        # ceph-mon --mkfs wants an empty data dir and copies this keyring into it.
        mon_keyring = self.dir / "mon.keyring"
        self._keyring(mon_keyring, "mon.", {"mon": "allow *"})
        everything = {"mon": "allow *", "osd": "allow *", "mgr": "allow *", "mds": "allow *"}
        keyrings = {
            self.admin_keyring: (ADMIN, everything),
            self.dir / "osd.0" / "keyring": (
                "osd.0",
                {"mon": "allow profile osd", "mgr": "allow profile osd", "osd": "allow *"},
            ),
            self.dir / "mgr.x" / "keyring": (
                "mgr.x",
                {"mon": "allow profile mgr", "osd": "allow *", "mds": "allow *"},
            ),
            self.user_keyring: (USER, USER_CAPS),
        }
        for path, (name, caps) in keyrings.items():
            self._keyring(path, name, caps)
            self._run("ceph-authtool", str(mon_keyring), "--import-keyring", str(path))

        monmap = self.dir / "monmap"
        self._run(
            "monmaptool", "--create", "--fsid", state["fsid"], "--addv", "a",
            f"[v2:127.0.0.1:{self.port},v1:127.0.0.1:{(self.port or 0) + 1}]", str(monmap),
        )  # fmt: skip
        self._run(
            "ceph-mon", "-c", str(self.conf), "--id", "a", "--mkfs",
            "--monmap", str(monmap), "--keyring", str(mon_keyring),
        )  # fmt: skip
        mon_keyring.unlink()
        monmap.unlink()
        self.start_daemon("mon.a")
        # The mgr loads its python modules for 10+ s; start it now so that runs in parallel.
        self.start_daemon("mgr.x")
        with self.admin() as cluster:
            osd_id = json.loads(self.mon_command(cluster, "osd new", uuid=state["osd_uuid"]) or "0")
            if osd_id not in (0, {"osdid": 0}):
                raise ClusterError(f"expected osd id 0, got {osd_id}")
            self.mon_command(
                cluster, "osd crush add", id=0, weight=1.0, args=["root=default", "host=localhost"]
            )
            for pool in (RADOS_POOL, RBD_POOL, NOACCESS_POOL):
                self.mon_command(cluster, "osd pool create", pool=pool, pg_num=8)
            for pool, app in ((RADOS_POOL, "rados"), (RBD_POOL, "rbd"), (NOACCESS_POOL, "rados")):
                self.mon_command(cluster, "osd pool application enable", pool=pool, app=app)
        self._run(
            "ceph-osd", "-c", str(self.conf), "--id", "0", "--mkfs",
            "--osd-uuid", state["osd_uuid"], "--no-mon-config",
        )  # fmt: skip
        self.start_daemon("osd.0")
        (self.dir / "state.json").write_text(json.dumps(state, indent=2) + "\n")
        self.wait_ready()
        with self.admin() as cluster:
            import rbd

            ioctx = cluster.open_ioctx(RBD_POOL)
            try:
                rbd.RBD().pool_init(ioctx, False)
            finally:
                ioctx.close()

    # -- configs and status -------------------------------------------------------------

    def write_configs(self) -> dict[str, Path]:
        """Render configs/{rados,rbd,gobridge}-local.toml.in for this cluster."""
        paths = self.config_paths()
        for backend, target in paths.items():
            text = (TEMPLATE_DIR / f"{backend}-local.toml.in").read_text()
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_text(self._fill(text))
            tmp.replace(target)
        return paths

    def status(self, health: bool = True) -> dict[str, Any]:
        """Machine-readable state; never contains a key, only keyring paths."""
        state = self.state()
        pids = self.pids()
        info: dict[str, Any] = {
            "dir": str(self.dir),
            "exists": state is not None,
            "running": state is not None and all(pids.values()),
            "port": self.port,
            "fsid": state["fsid"] if state else None,
            "pids": pids,
            "conffile": str(self.conf),
            "user": USER,
            "keyring": str(self.user_keyring),
            "admin_user": ADMIN,
            "admin_keyring": str(self.admin_keyring),
            "pools": {"rados": RADOS_POOL, "rbd": RBD_POOL, "noaccess": NOACCESS_POOL},
            "timeouts": {
                "mount_timeout": MOUNT_TIMEOUT,
                "osd_op_timeout": OSD_OP_TIMEOUT,
                "mon_op_timeout": MON_OP_TIMEOUT,
            },
            "configs": {k: str(v) for k, v in self.config_paths().items()},
            "health": None,
        }
        if health and pids["mon.a"] is not None:
            try:
                with self.admin(timeout=5) as cluster:
                    out = json.loads(self.mon_command(cluster, "health"))
                    info["health"] = out.get("status")
                    info["health_checks"] = sorted(out.get("checks", {}))
            except Exception as exc:  # status must report, not crash, on a sick cluster
                info["health"] = f"unknown ({type(exc).__name__}: {exc})"
        return info
