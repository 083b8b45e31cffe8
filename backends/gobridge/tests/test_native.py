"""The ctypes layer without a cluster: loading, the ABI's error and panic paths, the GIL
and fork behaviour. Tests that need the built library skip when it is missing (and fail
with CI=true, where scripts/build-gobridge has run)."""

from __future__ import annotations

import ctypes
import errno
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from backends.gobridge import _native, probe
from objstore.testing.skips import skip_or_fail

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def lib() -> _native.Library:
    reason = _native.unavailable_reason()
    if reason is not None:
        skip_or_fail(reason, "gobridge")
    return _native.load()


def _run(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run code in a fresh interpreter (its own Go runtime), bounded by timeout."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_probe_names_the_build_script_when_the_library_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(_native.LIB_ENV, str(tmp_path / "libobjstore_gobridge.so"))
    reason = probe()
    assert reason is not None
    assert "not built" in reason and "scripts/build-gobridge" in reason


def test_import_and_probe_do_not_load_the_library() -> None:
    proc = _run(
        """
        import backends.gobridge, backends.gobridge.backend
        from backends.gobridge import _native
        backends.gobridge.probe()
        assert _native.loaded() is None
        maps = open("/proc/self/maps").read()
        assert "libobjstore_gobridge" not in maps, "loaded at import"
        print("ok")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def _err() -> ctypes.c_char_p:
    return ctypes.c_char_p()


def _message(lib: _native.Library, err: ctypes.c_char_p) -> str:
    assert err.value is not None, "the bridge gave no message"
    text = err.value.decode()
    lib.free(ctypes.cast(err, ctypes.c_void_p).value)
    return text


def test_a_go_panic_becomes_an_error_code(lib: _native.Library) -> None:
    err = _err()
    rc = lib.fn("gb_selftest_panic")(ctypes.byref(err))
    assert rc == -errno.ENOTRECOVERABLE
    assert "panic in gobridge" in _message(lib, err)
    # The process survived and the library still answers.
    assert lib.version().startswith("gobridge ")


@pytest.mark.parametrize("handle", [0, 987654321])
def test_invalid_handles_give_ebadf(lib: _native.Library, handle: int) -> None:
    err = _err()
    assert lib.fn("gb_put")(handle, b"k", b"data", 4, 1, 0, ctypes.byref(err)) == -errno.EBADF
    assert "handle" in _message(lib, err)
    n = ctypes.c_size_t(0)
    buf = ctypes.create_string_buffer(8)
    assert lib.fn("gb_get")(handle, b"k", 0, buf, 8, ctypes.byref(n), None) == -errno.EBADF
    assert lib.fn("gb_close")(handle, None) == -errno.EBADF
    assert lib.fn("gb_delete")(handle, b"k", None) == -errno.EBADF


def test_null_buffer_with_a_length_is_a_recovered_panic(lib: _native.Library) -> None:
    err = _err()
    rc = lib.fn("gb_put")(0, b"k", None, 16, 1, 0, ctypes.byref(err))
    assert rc == -errno.ENOTRECOVERABLE
    assert "panic" in _message(lib, err)


def test_null_out_parameters_do_not_crash(lib: _native.Library) -> None:
    # gb_open writes *handle: a NULL handle pointer must be refused, not dereferenced.
    rc = lib.fn("gb_open")(None, None, None, None, b"p", None, 1.0, 1.0, 1.0, None, None)
    assert rc == -errno.EINVAL
    rc = lib.fn("gb_aio_wait")(0, 4, 0.0, None, None, None, None)
    assert rc == -errno.EBADF


def test_calls_release_the_gil(lib: _native.Library) -> None:
    """8 threads each blocked 300 ms in Go finish in about 300 ms, not 2.4 s."""
    sleep = lib.fn("gb_selftest_sleep")
    threads = [threading.Thread(target=sleep, args=(300,)) for _ in range(8)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    assert elapsed < 1.2, f"8 x 300 ms took {elapsed:.2f}s: the GIL is held during calls"


def test_forked_child_gets_a_clear_error_instead_of_hanging(lib: _native.Library) -> None:
    # In a fresh interpreter, so a hang (the bug this prevents) cannot take pytest down;
    # the subprocess timeout ends the test on its own.
    proc = _run(
        """
        import os, sys
        from backends.gobridge import _native
        from objstore.errors import Unsupported
        lib = _native.load()
        lib.fn("gb_selftest_sleep")(1)
        pid = os.fork()
        if pid == 0:
            try:
                lib.fn("gb_selftest_sleep")(1)
            except Unsupported as exc:
                ok = "fork" in str(exc) and "spawn" in str(exc)
                os._exit(0 if ok else 3)
            os._exit(4)
        _, status = os.waitpid(pid, 0)
        lib.fn("gb_selftest_sleep")(1)  # the parent still works
        print(os.waitstatus_to_exitcode(status))
        """,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0"


def test_check_not_forked_is_silent_in_the_loading_process(lib: _native.Library) -> None:
    _native.check_not_forked()
    assert not _native.forked()
    assert lib.pid == os.getpid()


def test_c_buffer_shares_writable_memory(lib: _native.Library) -> None:
    target = bytearray(4)
    arg, n = _native.c_buffer(target, writable=True)
    ctypes.memmove(arg, b"abcd", 4)
    assert n == 4 and target == b"abcd"
    with pytest.raises(TypeError):
        _native.c_buffer(b"immutable", writable=True)
    data, n = _native.c_buffer(memoryview(b"xyz"))
    assert (bytes(data), n) == (b"xyz", 3)
    assert _native.c_buffer(bytearray()) == (None, 0)


def test_new_bytes_is_fresh_and_writable_by_go(lib: _native.Library) -> None:
    a, b = _native.new_bytes(8), _native.new_bytes(8)
    assert a is not b
    ctypes.memmove(_native.address(a), b"12345678", 8)
    assert a == b"12345678"
    with pytest.raises(ValueError):
        _native.new_bytes(1)
