"""posix backend specifics: safe paths, temp files, atomicity, metadata modes, fsync."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import objstore
from backends.posix import NAME, objstore_register_backends
from backends.posix.backend import SIDECAR_DIR, PosixBackend
from backends.posix.config import PosixConfig
from objstore.errors import AlreadyExists, BackendError, ConfigError, InvalidArgument, NotFound
from objstore.registry import BackendRegistry
from objstore.store import Store
from objstore.testing.threads import run_threads_or_raise

NASTY_KEYS = [
    "../x",
    "../../../../../../tmp/evil",
    "/etc/passwd",
    "/",
    "//",
    ".",
    "..",
    "...",
    "./x",
    ".hidden",
    ".tmp-0123",
    ".objstore-meta",
    "a/../../b",
    "a/",
    "%2F..%2F",
    "%2E%2E",
    "%",
    "\\..\\x",
    "~",
    "~root/x",
    "$HOME",
    "\n",
    " ",
    "ключ/../é",
    "\U0001f600/..",
    "a" * 255,
    "x/" * 50,
]

def files_under(top: Path) -> set[Path]:
    return {Path(d) / f for d, _, files in os.walk(top) for f in files}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "parent" / "root"


@pytest.fixture(params=["native", "sidecar"])
def store(request: pytest.FixtureRequest, root: Path) -> Iterator[Store]:
    with objstore.open("posix", root=str(root), xattrs=request.param) as s:
        yield s


# -- config and registration ----------------------------------------------------------------------


def test_config(tmp_path: Path) -> None:
    cfg = PosixConfig.from_mapping({"root": "~/x"})
    assert cfg.root == Path.home() / "x" and cfg.xattrs == "auto" and cfg.fsync is False
    assert PosixConfig.from_mapping({"root": tmp_path, "fsync": "true"}).fsync is True
    assert PosixConfig.from_mapping({"root": tmp_path, "fsync": "0"}).fsync is False
    assert PosixConfig.option_names() == ("root", "xattrs", "fsync")


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"root": ""},
        {"root": "/x", "xattrs": "yes"},
        {"root": "/x", "fsync": "maybe"},
        {"root": "/x", "fsync": 1},
        {"root": "/x", "colour": "red"},
    ],
)
def test_config_rejects(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        PosixConfig.from_mapping(options)


def test_registration() -> None:
    registry = BackendRegistry()
    objstore_register_backends(registry)
    info = registry.get(NAME)
    assert info.load_factory() is PosixBackend
    assert info.option_names == ("root", "xattrs", "fsync")
    assert info.url_options is not None
    caps = info.capabilities
    assert caps is not None and caps.persistent and caps.atomic_write_full
    assert caps.max_key_bytes == 255


def test_root_is_created(root: Path) -> None:
    objstore.open("posix", root=str(root)).close()
    assert root.is_dir()


def test_root_that_is_a_file(tmp_path: Path) -> None:
    file = tmp_path / "f"
    file.write_bytes(b"")
    with pytest.raises(InvalidArgument, match="not a directory"):
        objstore.open("posix", root=str(file))


def test_root_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"")
    with pytest.raises(NotFound):  # ENOTDIR: a path component is missing as a directory
        objstore.open("posix", root=str(tmp_path / "f" / "sub"))


def test_describe(store: Store, root: Path) -> None:
    info = store.describe()
    assert info["backend"] == "posix" and info["root"] == str(root)
    assert info["metadata"] in ("user xattrs", "sidecar")
    assert info["filesystem"] != ""


# -- safe paths -----------------------------------------------------------------------------------


def test_nothing_is_written_outside_the_root(store: Store, root: Path) -> None:
    parent = root.parent
    before = files_under(parent.parent)
    for i, key in enumerate(NASTY_KEYS):
        data = f"{i}".encode()
        store.put(key, data)
        store.put(key, b"!", "wa")
        store.put(key, b"?", "w", 5)
        store.set_xattr(key, "n", data)
        assert store.get(key)[: len(data) + 1] == data + b"!"
        assert store.get_xattr(key, "n") == data
    with pytest.raises(AlreadyExists):
        store.put("../x", b"", "create")
    store.put_stream("../stream", [b"a", b"b"])
    after = files_under(parent.parent)
    new = after - before
    assert new and all(p.is_relative_to(root) for p in new), sorted(map(str, new))
    # Flat names only: no subdirectory except the sidecar directory.
    subdirs = {p.name for p in root.iterdir() if p.is_dir()}
    assert subdirs <= {SIDECAR_DIR}
    assert sorted(store.list()) == sorted([*NASTY_KEYS, "../stream"])
    for key in NASTY_KEYS:
        store.delete(key)
    store.delete("../stream")
    assert list(store.list()) == []
    leftover = {p for p in files_under(root) if SIDECAR_DIR not in p.parts}
    assert leftover == set()


def test_encoded_names_on_disk(root: Path) -> None:
    store = objstore.open("posix", root=str(root))
    for key in ("a/b", "../up", ".dot", "100%", "plain"):
        store.put(key, key.encode())
    names = sorted(p.name for p in root.iterdir())
    assert names == sorted(["a%2Fb", "%2E.%2Fup", "%2Edot", "100%25", "plain"])
    assert (root / "a%2Fb").read_bytes() == b"a/b"


def test_key_too_long_once_encoded(store: Store, root: Path) -> None:
    key = "/" * 86  # 86 bytes as a key, 258 once every '/' becomes %2F
    with pytest.raises(InvalidArgument, match="258 bytes once encoded") as info:
        store.put(key, b"x")
    assert info.value.key == key and info.value.backend == "posix"
    for call in (store.get, store.stat, store.delete, store.list_xattrs):
        with pytest.raises(InvalidArgument):
            call(key)
    store.put("/" * 85, b"ok")  # exactly 255 once encoded
    with pytest.raises(InvalidArgument):
        store.put("a" * 256, b"")  # the store's own max_key_bytes
    assert list(store.list()) == ["/" * 85]


def test_foreign_and_internal_names_are_not_listed(store: Store, root: Path) -> None:
    store.put("k", b"")
    (root / ".tmp-leftover").write_bytes(b"")
    (root / ".something").write_bytes(b"")
    assert list(store.list()) == ["k"]


# -- temp files -----------------------------------------------------------------------------------


class Boom(Exception):
    pass


def failing_chunks(n: int) -> Iterator[bytes]:
    for _ in range(n):
        yield b"x" * 1000
    raise Boom("source failed")


@pytest.mark.parametrize("mode", ["wf", "create"])
def test_temp_files_cleaned_up_when_a_stream_fails(store: Store, root: Path, mode: str) -> None:
    store.put("k", b"old")
    key = "k" if mode == "wf" else "new"
    # The source's own failure surfaces (mapped to BackendError, with it as the cause).
    with pytest.raises(BackendError) as info:
        store.put_stream(key, failing_chunks(3), mode)
    assert isinstance(info.value.__cause__, Boom)
    assert [p.name for p in root.iterdir() if p.name.startswith(".tmp")] == []
    assert store.get("k") == b"old"  # a failed replace leaves the old object
    assert not store.exists("new")
    assert sorted(store.list()) == ["k"]


def test_temp_files_cleaned_up_when_rename_fails(
    store: Store, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put("k", b"old")

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("backends.posix.backend.os.replace", broken_replace)
    with pytest.raises(BackendError) as info:
        store.put("k", b"new")
    assert info.value.code == errno.EIO and isinstance(info.value.__cause__, OSError)
    monkeypatch.undo()
    assert [p.name for p in root.iterdir() if p.name.startswith(".tmp")] == []
    assert store.get("k") == b"old"


def test_temp_files_never_listed_during_a_write(store: Store, root: Path) -> None:
    seen: list[list[str]] = []

    def chunks() -> Iterator[bytes]:
        yield b"a"
        # The temp file exists now: it must not show up as a key.
        assert any(p.name.startswith(".tmp-") for p in root.iterdir())
        seen.append(list(store.list()))
        yield b"b"

    store.put_stream("k", chunks())
    assert seen == [[]]
    assert list(store.list()) == ["k"]


# -- atomicity ------------------------------------------------------------------------------------


def test_write_full_is_atomic_for_readers(root: Path) -> None:
    store = objstore.open("posix", root=str(root))
    old, new = b"a" * 32768, b"b" * 65536
    store.put("k", old)
    stop = threading.Event()
    bad: list[tuple[int, set[int]]] = []
    reads = [0]

    def reader() -> None:
        while not stop.is_set():
            data = store.get("k")
            reads[0] += 1
            if data not in (old, new):
                bad.append((len(data), set(data)))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for n in range(200):
        store.put("k", new if n % 2 == 0 else old)
    stop.set()
    for t in threads:
        t.join()
    assert bad == []
    assert reads[0] > 50


def test_create_via_link_is_atomic_under_an_8_thread_race(root: Path) -> None:
    store = objstore.open("posix", root=str(root))
    lock = threading.Lock()
    for round_ in range(15):
        winners: list[int] = []
        key = f"race-{round_}"

        def create(i: int, key: str = key, winners: list[int] = winners) -> None:
            try:
                store.put(key, bytes([i]) * 50_000, "create")
            except AlreadyExists:
                return
            with lock:
                winners.append(i)

        run_threads_or_raise(8, create)
        assert len(winners) == 1, winners
        assert store.get(key) == bytes([winners[0]]) * 50_000
    assert not [p for p in root.iterdir() if p.name.startswith(".tmp")]


def test_concurrent_appends_do_not_interleave(root: Path) -> None:
    store = objstore.open("posix", root=str(root))

    def append(i: int) -> None:
        for n in range(100):
            store.put("log", f"{i:02d}:{n:05d}\n".encode(), "wa")

    run_threads_or_raise(8, append)
    lines = store.get("log").splitlines()
    assert len(lines) == 800 and len(set(lines)) == 800


# -- metadata -------------------------------------------------------------------------------------


def test_write_full_keeps_metadata(store: Store) -> None:
    store.put("k", b"v1")
    store.set_xattr("k", "owner", b"\x00me\xff")
    store.put("k", b"v2 longer")
    store.put_stream("k", [b"v3", b"!"])
    assert store.get("k") == b"v3!"
    assert store.get_xattrs("k") == {"owner": b"\x00me\xff"}


def test_metadata_lifecycle(store: Store) -> None:
    with pytest.raises(NotFound):
        store.set_xattr("k", "a", b"1")
    with pytest.raises(NotFound):
        store.list_xattrs("k")
    store.put("k", b"")
    assert store.list_xattrs("k") == []
    store.set_xattr("k", "a", b"1")
    store.set_xattr("k", "b", "ü")
    store.set_xattr("k", "a", b"2")
    assert store.get_xattrs("k") == {"a": b"2", "b": "ü".encode()}
    store.remove_xattr("k", "a")
    with pytest.raises(NotFound):
        store.get_xattr("k", "a")
    with pytest.raises(NotFound):
        store.remove_xattr("k", "a")
    store.put("k", b"more", "wa")
    assert store.list_xattrs("k") == ["b"]
    store.delete("k")
    with pytest.raises(NotFound):
        store.get_xattr("k", "b")
    store.put("k", b"", "create")
    assert store.list_xattrs("k") == []  # no stale metadata from the deleted object


def test_sidecar_mode_full_lifecycle(root: Path) -> None:
    store = objstore.open("posix", root=str(root), xattrs="sidecar")
    assert store.describe()["metadata"] == "sidecar"
    assert store.capabilities.max_xattr_value_bytes == 0  # no inode-size limit in a file
    store.put("dir/k", b"data")
    big = os.urandom(10_000)
    store.set_xattr("dir/k", "big", big)
    store.set_xattr("dir/k", "n" * 300, b"long name")
    assert store.get_xattr("dir/k", "big") == big
    assert store.list_xattrs("dir/k") == ["big", "n" * 300]
    sidecars = list((root / SIDECAR_DIR).iterdir())
    assert len(sidecars) == 1
    assert os.listxattr(root / "dir%2Fk") == []  # nothing went to real xattrs
    assert list(store.list()) == ["dir/k"]  # the sidecar directory is not an object
    store.put("dir/k", b"new")  # wf keeps metadata
    assert store.get_xattr("dir/k", "big") == big
    store.remove_xattr("dir/k", "big")
    assert store.list_xattrs("dir/k") == ["n" * 300]
    # A new store on the same root reads the same metadata.
    again = objstore.open("posix", root=str(root), xattrs="sidecar")
    assert again.get_xattr("dir/k", "n" * 300) == b"long name"
    store.delete("dir/k")
    assert list((root / SIDECAR_DIR).iterdir()) == []
    with pytest.raises(NotFound):
        again.list_xattrs("dir/k")


def test_sidecar_with_the_longest_key(root: Path) -> None:
    store = objstore.open("posix", root=str(root), xattrs="sidecar")
    key = "k" * 255
    store.put(key, b"", "create")
    store.set_xattr(key, "a", b"1")
    assert store.get_xattr(key, "a") == b"1"
    store.delete(key)


def test_sidecar_concurrent_setters_lose_nothing(root: Path) -> None:
    store = objstore.open("posix", root=str(root), xattrs="sidecar")
    store.put("k", b"")

    def setter(i: int) -> None:
        for n in range(20):
            store.set_xattr("k", f"t{i}-{n}", b"v")

    run_threads_or_raise(8, setter)
    assert len(store.list_xattrs("k")) == 160


def test_native_xattr_limits(root: Path) -> None:
    store = objstore.open("posix", root=str(root), xattrs="native")
    store.put("k", b"")
    store.set_xattr("k", "a", bytes(1024))
    with pytest.raises(InvalidArgument):
        store.set_xattr("k", "a", bytes(1025))
    assert os.getxattr(root / "k", "user.a") == bytes(1024)


def test_auto_falls_back_to_sidecar_without_user_xattrs(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(*args: Any) -> None:
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    monkeypatch.setattr("backends.posix.backend.os.setxattr", unsupported)
    store = objstore.open("posix", root=str(root))
    assert store.describe()["metadata"] == "sidecar"
    store.put("k", b"")
    store.set_xattr("k", "a", b"1")  # would fail if it still used os.setxattr
    assert store.get_xattr("k", "a") == b"1"
    assert [p.name for p in root.iterdir() if p.name.startswith(".tmp")] == []  # probe removed


def test_auto_prefers_native_xattrs(root: Path) -> None:
    store = objstore.open("posix", root=str(root))
    assert store.describe()["metadata"] == "user xattrs"
    assert [p.name for p in root.iterdir()] == []  # the probe file is gone


def test_probe_failure_is_a_taxonomy_error(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("backends.posix.backend.os.setxattr", broken)
    with pytest.raises(BackendError) as info:
        objstore.open("posix", root=str(root))
    assert info.value.backend == "posix" and info.value.op == "open"


# -- errors, persistence, fsync -------------------------------------------------------------------


def test_errors_carry_cause_without_local_paths(store: Store, root: Path) -> None:
    with pytest.raises(NotFound) as info:
        store.get("missing")
    err = info.value
    assert (err.backend, err.op, err.key, err.code) == ("posix", "get", "missing", errno.ENOENT)
    assert isinstance(err.__cause__, FileNotFoundError)
    assert str(root) not in str(err)
    with pytest.raises(NotFound):
        store.delete("missing")
    store.delete("missing", missing_ok=True)


def test_data_persists_across_stores(root: Path) -> None:
    with objstore.open(f"posix://{root}") as store:
        store.put("k", b"\x00persist\x00")
        store.put("z", b"")
    with objstore.open("posix", root=str(root)) as store:
        assert store.get("k") == b"\x00persist\x00"
        assert store.stat("z").size == 0


def test_stat_mtime(root: Path) -> None:
    store = objstore.open("posix", root=str(root))
    store.put("k", b"abc")
    st = store.stat("k")
    assert st.key == "k" and st.size == 3
    assert st.mtime == (root / "k").stat().st_mtime_ns / 1e9


def test_read_into_large(root: Path) -> None:
    store = objstore.open("posix", root=str(root))
    data = os.urandom(1 << 20)
    store.put("k", data)
    buf = bytearray(len(data) + 10)
    assert store.get_into("k", buf) == len(data)
    assert bytes(buf[: len(data)]) == data
    assert store.get_into("k", buf, len(data) - 3) == 3


@pytest.mark.parametrize("fsync", [True, False])
def test_fsync_option(root: Path, monkeypatch: pytest.MonkeyPatch, fsync: bool) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def counting(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr("backends.posix.backend.os.fsync", counting)
    store = objstore.open("posix", root=str(root), fsync=fsync)
    store.put("k", b"data")
    store.put("c", b"data", "create")
    store.put_stream("s", [b"a", b"b"])
    assert store.get("k") == b"data" and store.get("s") == b"ab"
    # Each wf/create syncs the staged file and the directory it was renamed into.
    assert len(synced) == (6 if fsync else 0)
