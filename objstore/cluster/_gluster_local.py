"""The local GlusterFS volume behind ``objstore cluster gluster``: start, inspect, stop.

Everything lives under one data directory (``$OBJSTORE_GLUSTER_DIR``, default
``/var/tmp/objstore/gluster``)::

    glusterd/        glusterd's working directory (instead of /var/lib/glusterd)
    run/             its run directory and CLI socket (instead of /var/run/gluster)
    log/             glusterd.log, bricks/*.log, cli.log, gfapi.log
    bricks/b0/       the single brick
    glusterd.pid     written by glusterd itself
    state.json       what ``up`` started, so ``down`` stops exactly that

Facts this relies on (measured with GlusterFS 10.3 on Debian 12):

* glusterd refuses ``localhost`` and ``127.0.0.1`` as a brick host, but accepts any other
  loopback address: the brick is ``127.0.1.1:<dir>/bricks/b0``, which Linux routes over
  ``lo`` without any /etc/hosts entry. (Set ``OBJSTORE_GLUSTER_BRICK_HOST`` to use the
  hostname instead.)
* glusterd daemonises itself and takes ~4-8 s to answer the first time; the
  ``--xlator-option management.*`` flags move its state, run and log directories into
  the data directory, so nothing under /var/lib/glusterd is used for our volume.
  (glusterd still creates empty ``/var/lib/glusterd/{geo-replication,ss_brick}`` and its
  brick sockets in ``/var/run/gluster``, which are hard-coded; ``down`` removes the
  sockets of the bricks it started.)
* Port 24007 is machine-wide: one glusterd per machine, so ``up`` refuses to start
  when another glusterd already listens there.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from objstore.testing.targets import CONFIG_DIR, PROJECT_ROOT

DEFAULT_DIR = "/var/tmp/objstore/gluster"
DEFAULT_VOLUME = "objstore"
DEFAULT_BRICK_HOST = "127.0.1.1"
GLUSTERD_PORT = 24007
TEMPLATE = PROJECT_ROOT / "configs" / "gluster-local.toml.in"
CONFIG_NAME = "gluster-local.toml"


class GlusterSetupError(RuntimeError):
    """``up``/``down`` cannot proceed; the message says what is missing and how to fix it."""


@dataclass
class State:
    """What ``up`` started, persisted in ``state.json``."""

    volume: str
    brick_host: str
    brick_path: str
    glusterd_pid: int = 0
    brick_pids: list[int] = field(default_factory=list)
    brick_sockets: list[str] = field(default_factory=list)


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie counts as dead.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [p.decode(errors="replace") for p in raw.split(b"\0") if p]


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _local_address_problem(host: str) -> str | None:
    """None when ``host`` resolves to an address of this machine, else why not."""
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"brick host {host!r} does not resolve ({exc})"
    for info in infos:
        address = str(info[4][0])
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((address, 0))
            except OSError:
                continue
            return None
    return (
        f"brick host {host!r} resolves to {infos[0][4][0]}, which is not an address of this machine"
    )


class LocalGluster:
    """One glusterd and one single-brick volume under :attr:`root`."""

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        volume: str | None = None,
        brick_host: str | None = None,
        config_dir: Path | None = None,
    ) -> None:
        self.root = Path(root or os.environ.get("OBJSTORE_GLUSTER_DIR") or DEFAULT_DIR).resolve()
        self.volume = volume or os.environ.get("OBJSTORE_GLUSTER_VOLUME") or DEFAULT_VOLUME
        self.brick_host = (
            brick_host or os.environ.get("OBJSTORE_GLUSTER_BRICK_HOST") or DEFAULT_BRICK_HOST
        )
        self.config_dir = config_dir or CONFIG_DIR
        self.workdir = self.root / "glusterd"
        self.rundir = self.root / "run"
        self.logdir = self.root / "log"
        self.brick = self.root / "bricks" / "b0"
        self.pidfile = self.root / "glusterd.pid"
        self.statefile = self.root / "state.json"
        self.socket = self.rundir / "glusterd.socket"

    @property
    def config_path(self) -> Path:
        return self.config_dir / CONFIG_NAME

    # -- commands ------------------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 60.0, check: bool = True) -> str:
        """Run ``gluster --mode=script`` against our glusterd; return stdout."""
        gluster = _which("gluster")
        if gluster is None:
            raise GlusterSetupError(
                "`gluster` not found: install glusterfs-server (apt-get install glusterfs-server)"
            )
        cmd = [
            gluster,
            "--mode=script",
            f"--glusterd-sock={self.socket}",
            f"--log-file={self.logdir / 'cli.log'}",
            *args,
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise GlusterSetupError(
                f"`gluster {' '.join(args)}` timed out after {timeout:g} s"
            ) from exc
        if check and done.returncode != 0:
            text = (done.stderr or done.stdout).strip()
            raise GlusterSetupError(f"`gluster {' '.join(args)}` failed: {text}")
        return done.stdout if done.returncode == 0 else ""

    def glusterd_pid(self) -> int:
        """The pid of *our* glusterd when it runs, else 0."""
        try:
            pid = int(self.pidfile.read_text().strip() or 0)
        except (OSError, ValueError):
            return 0
        if not _alive(pid):
            return 0
        # The pid file may be stale and the pid reused: check it is our glusterd.
        if not any(str(self.workdir) in arg for arg in _cmdline(pid)):
            return 0
        return pid

    def load_state(self) -> State | None:
        try:
            data = json.loads(self.statefile.read_text())
            return State(**data)
        except (OSError, ValueError, TypeError):
            return None

    def save_state(self, state: State) -> None:
        tmp = self.statefile.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state), indent=2))
        tmp.replace(self.statefile)

    def volume_exists(self) -> bool:
        return bool(self.cli("volume", "info", self.volume, check=False).strip())

    def volume_status(self) -> dict[str, Any]:
        """Brick status from ``volume status --xml``: started, online, port, pid."""
        out = self.cli("volume", "status", self.volume, "--xml", check=False)
        result: dict[str, Any] = {"started": False, "bricks": []}
        if not out.strip():
            return result
        try:
            tree = ET.fromstring(out)
        except ET.ParseError:
            return result
        if tree.findtext("opRet") != "0":
            return result
        result["started"] = True
        for node in tree.iter("node"):
            path = node.findtext("path") or ""
            if not path.startswith("/"):
                continue  # self-heal/NFS daemons, not bricks
            result["bricks"].append(
                {
                    "host": node.findtext("hostname"),
                    "path": path,
                    "online": node.findtext("status") == "1",
                    "port": _int(node.findtext("port")),
                    "pid": _int(node.findtext("pid")),
                }
            )
        return result

    def brick_online(self) -> bool:
        bricks = self.volume_status()["bricks"]
        return bool(bricks) and all(b["online"] for b in bricks)

    # -- up --------------------------------------------------------------------------------

    def preflight(self) -> None:
        """Fail with a clear message when something this machine lacks is needed."""
        for tool in ("glusterd", "gluster"):
            if _which(tool) is None:
                raise GlusterSetupError(
                    f"`{tool}` not found: install GlusterFS "
                    "(apt-get install glusterfs-server glusterfs-client libgfapi0)"
                )
        problem = _local_address_problem(self.brick_host)
        if problem:
            raise GlusterSetupError(
                f"{problem}. glusterd refuses localhost/127.0.0.1 as a brick host; use a "
                "loopback alias (OBJSTORE_GLUSTER_BRICK_HOST=127.0.1.1, the default) or make "
                "the hostname resolve locally, as root: "
                'getent hosts "$(hostname)" >/dev/null '
                '|| echo "127.0.1.1 $(hostname)" >> /etc/hosts'
            )

    def up(self, timeout: float = 120.0) -> dict[str, Any]:
        """Start glusterd and the volume when they are not running; write the config."""
        self.preflight()
        deadline = time.monotonic() + timeout
        for d in (self.workdir, self.rundir, self.logdir, self.brick.parent):
            d.mkdir(parents=True, exist_ok=True)
        state = self.load_state() or State(self.volume, self.brick_host, str(self.brick))
        pid = self.glusterd_pid()
        if not pid:
            pid = self._start_glusterd(deadline)
        state.glusterd_pid = pid
        self.save_state(state)  # from here on `down` knows what to stop
        if not self.volume_exists():
            self._create_volume()
        if not self.brick_online():
            self.cli("volume", "start", self.volume, "force")
        self._wait(self.brick_online, deadline, "the brick to come online")
        for brick in self.volume_status()["bricks"]:
            if brick["pid"] and brick["pid"] not in state.brick_pids:
                state.brick_pids.append(brick["pid"])
                state.brick_sockets += [
                    a for a in _brick_socket_args(brick["pid"]) if a not in state.brick_sockets
                ]
        self.save_state(state)
        self.write_config()
        return self.status()

    def _start_glusterd(self, deadline: float) -> int:
        if _port_in_use(GLUSTERD_PORT):
            raise GlusterSetupError(
                f"port {GLUSTERD_PORT} is taken by a glusterd this project did not start "
                "(one glusterd per machine): stop it first, or point the tests at it with "
                "your own configs/gluster-local.toml"
            )
        glusterd = _which("glusterd")
        assert glusterd is not None  # preflight checked
        self.pidfile.unlink(missing_ok=True)
        cmd = [
            glusterd,
            f"--pid-file={self.pidfile}",
            f"--log-file={self.logdir / 'glusterd.log'}",
            "--log-level=WARNING",
            "--xlator-option", f"management.working-directory={self.workdir}",
            "--xlator-option", f"management.run-directory={self.rundir}",
            "--xlator-option", f"management.glusterd-sockfile={self.socket}",
            # Puts brick, cmd_history and other logs under our log dir.
            "--xlator-option", f"management.cluster-test-mode={self.logdir}",
        ]  # fmt: skip
        # glusterd forks into the background; the parent exits once the daemon is set up.
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise GlusterSetupError(
                f"glusterd failed to start (exit {done.returncode}): "
                f"{(done.stderr or done.stdout).strip()}; see {self.logdir / 'glusterd.log'}"
            )
        self._wait(lambda: bool(self.glusterd_pid()), deadline, "glusterd's pid file")
        self._wait(
            lambda: bool(self.cli("pool", "list", check=False, timeout=10)),
            deadline,
            "glusterd to answer `gluster pool list`",
        )
        return self.glusterd_pid()

    def _create_volume(self) -> None:
        # A brick left by an earlier run carries trusted.* xattrs and .glusterfs/:
        # glusterd would refuse it. It is ours (inside the data dir), so wipe it.
        if self.brick.exists():
            shutil.rmtree(self.brick)
        self.brick.mkdir(parents=True)
        # force: the brick sits on the root filesystem, which glusterd warns about.
        self.cli("volume", "create", self.volume, f"{self.brick_host}:{self.brick}", "force")

    def _wait(self, ready: Any, deadline: float, what: str) -> None:
        while not ready():
            if time.monotonic() > deadline:
                raise GlusterSetupError(
                    f"timed out waiting for {what}; see {self.logdir / 'glusterd.log'}"
                )
            time.sleep(0.2)

    def write_config(self) -> Path:
        """Write ``configs/gluster-local.toml`` from its template."""
        header = (
            f"# GENERATED by `objstore cluster gluster up` from {TEMPLATE.name}: do not edit.\n"
        )
        text = header + TEMPLATE.read_text()
        values = {
            "VOLUME": self.volume,
            "HOST": "localhost",
            "PORT": str(GLUSTERD_PORT),
            "LOG_FILE": str(self.logdir / "gfapi.log"),
        }
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        self.config_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(self.config_path)
        return self.config_path

    # -- down ------------------------------------------------------------------------------

    def down(self, timeout: float = 60.0) -> list[str]:
        """Stop what ``up`` started and remove the volume's state; return what was done."""
        done: list[str] = []
        state = self.load_state()
        for mountpoint in self._our_mounts():
            if subprocess.run(["umount", "-l", mountpoint], capture_output=True).returncode == 0:
                done.append(f"unmounted {mountpoint}")
        pid = self.glusterd_pid()
        if pid:
            if self.volume_exists():
                self.cli("volume", "stop", self.volume, "force", check=False)
                self.cli("volume", "delete", self.volume, check=False)
                done.append(f"stopped and deleted volume {self.volume}")
            _terminate(pid, timeout)
            done.append(f"stopped glusterd (pid {pid})")
        if state is not None:
            for brick_pid in state.brick_pids:
                if _alive(brick_pid) and any(str(self.brick) in a for a in _cmdline(brick_pid)):
                    _terminate(brick_pid, timeout)
                    done.append(f"stopped brick (pid {brick_pid})")
            for sock in state.brick_sockets:
                with contextlib.suppress(OSError):
                    Path(sock).unlink()
        for path in (self.brick.parent, self.workdir, self.rundir):
            if path.exists():
                shutil.rmtree(path, ignore_errors=True)
        self.pidfile.unlink(missing_ok=True)
        self.statefile.unlink(missing_ok=True)
        if self.config_path.exists():
            self.config_path.unlink()
            done.append(f"removed {self.config_path}")
        return done

    def _our_mounts(self) -> list[str]:
        """FUSE mounts of our volume (tests mount it to check a second client)."""
        found = []
        with contextlib.suppress(OSError), open("/proc/mounts") as mounts:
            for line in mounts:
                parts = line.split()
                if len(parts) > 2 and parts[2] == "fuse.glusterfs":
                    source = parts[0]
                    if source.endswith(f":/{self.volume}") or source.endswith(f":{self.volume}"):
                        found.append(parts[1].replace("\\040", " "))
        return found

    # -- status ----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Everything a person or CI needs to see whether the volume is usable."""
        pid = self.glusterd_pid()
        info: dict[str, Any] = {
            "data_dir": str(self.root),
            "volume": self.volume,
            "glusterd_pid": pid or None,
            "glusterd_running": bool(pid),
            "volume_started": False,
            "bricks": [],
            "config": str(self.config_path) if self.config_path.exists() else None,
            "logs": str(self.logdir),
        }
        if pid:
            vol = self.volume_status()
            info["volume_started"] = vol["started"]
            info["bricks"] = vol["bricks"]
        info["healthy"] = bool(
            pid
            and info["volume_started"]
            and info["bricks"]
            and all(b["online"] for b in info["bricks"])
            and info["config"]
        )
        return info


def _int(text: str | None) -> int:
    """An integer field of gluster's XML ("N/A" and "-1" become 0)."""
    try:
        return max(int(text or 0), 0)
    except ValueError:
        return 0


def _brick_socket_args(pid: int) -> list[str]:
    """The ``-S /var/run/gluster/<hash>.socket`` a brick process was given."""
    args = _cmdline(pid)
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-S"]


def _terminate(pid: int, timeout: float) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.1)
