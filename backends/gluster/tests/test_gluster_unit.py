"""Unit tests of the gluster backend that need no volume: config, errno table, keys, URL."""

from __future__ import annotations

import ctypes
import errno
from urllib.parse import urlsplit

import pytest

from backends.gluster import _native, _url_options
from backends.gluster.config import GlusterConfig, normalize_subdir
from backends.gluster.errors import ERRORS
from objstore.errors import (
    AlreadyExists,
    BackendError,
    ConfigError,
    InvalidArgument,
    NotFound,
    Timeout,
    Unavailable,
)
from objstore.keys import decode_key, encode_key


def test_config_defaults_and_option_names() -> None:
    cfg = GlusterConfig.from_mapping({"volume": "v"})
    assert (cfg.host, cfg.port, cfg.subdir, cfg.log_level) == (
        "localhost",
        24007,
        "objstore",
        "warning",
    )
    assert cfg.log_level_number == 5
    assert "volume" in GlusterConfig.option_names()
    assert set(GlusterConfig.option_names()) >= {"host", "port", "subdir", "ping_timeout"}


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"volume": ""},
        {"volume": "a/b"},
        {"volume": "v", "port": 0},
        {"volume": "v", "port": 70000},
        {"volume": "v", "port": 1.5},
        {"volume": "v", "ping_timeout": 0},
        {"volume": "v", "frame_timeout": "soon"},
        {"volume": "v", "log_level": "loud"},
        {"volume": "v", "subdir": "../x"},
        {"volume": "v", "strict_consistency": "maybe"},
        {"volume": "v", "bogus": 1},
    ],
)
def test_config_rejects(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        GlusterConfig.from_mapping(options)


def test_config_strings_from_url_query() -> None:
    cfg = GlusterConfig.from_mapping(
        {"volume": "v", "port": "24008", "ping_timeout": "3", "strict_consistency": "false"}
    )
    assert (cfg.port, cfg.ping_timeout, cfg.strict_consistency) == (24008, 3, False)
    assert not any("md-cache" in x for x, _, _ in cfg.xlator_options)
    strict = GlusterConfig.from_mapping({"volume": "v"}).xlator_options
    assert ("*-md-cache", "pass-through", "true") in strict
    assert ("*-client-*", "ping-timeout", "10") in strict


@pytest.mark.parametrize(
    ("raw", "expected"), [("/a//b/", "a/b"), ("", ""), ("/", ""), ("objstore", "objstore")]
)
def test_normalize_subdir(raw: str, expected: str) -> None:
    assert normalize_subdir(raw) == expected


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (errno.ENOENT, NotFound),
        (errno.ENODATA, NotFound),
        (errno.EEXIST, AlreadyExists),
        (errno.ENOTCONN, Unavailable),
        (errno.ETIMEDOUT, Timeout),
        (errno.ENAMETOOLONG, InvalidArgument),
        (errno.EIO, BackendError),
        (9999, BackendError),
    ],
)
def test_errno_table(code: int, cls: type[Exception]) -> None:
    native = OSError(code, "boom", "/objstore/k")
    with pytest.raises(cls) as info, ERRORS.mapped("get", "k"):
        raise native
    err = info.value
    assert type(err) is cls
    assert err.__cause__ is native
    assert (err.backend, err.op, err.key, err.code) == ("gluster", "get", "k", code)  # type: ignore[attr-defined]


def test_missing_volume_at_init_is_a_config_error() -> None:
    with pytest.raises(ConfigError), ERRORS.mapped("open"):
        raise _native.GlfsInitError(errno.ENOENT, "no such volume")
    with pytest.raises(Unavailable), ERRORS.mapped("open"):
        raise _native.GlfsInitError(errno.ENOTCONN, "glusterd down")


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("a/b", "a%2Fb"),
        ("..", "%2E."),
        ("../x", "%2E.%2Fx"),
        (".hidden", "%2Ehidden"),
        ("100%", "100%25"),
        ("%2F", "%252F"),
        ("/abs", "%2Fabs"),
        ("ünï", "ünï"),
    ],
)
def test_key_encoding_is_flat_and_reversible(key: str, name: str) -> None:
    assert encode_key(key) == name
    assert "/" not in name and not name.startswith(".")
    assert decode_key(name) == key


def test_struct_layouts_match_glibc() -> None:
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        assert ctypes.sizeof(_native._Dirent) == 280
        assert _native._Dirent.d_name.offset == 19
        import platform

        if platform.machine() == "x86_64":
            assert ctypes.sizeof(_native._Stat) == 144
            assert _native._Stat.st_size.offset == 48
            assert _native._Stat.st_mtim.offset == 88


def test_pinned_buffers() -> None:
    writable = bytearray(b"abc")
    pinned = _native._Pinned(memoryview(writable))
    assert isinstance(pinned.pointer, int)
    assert ctypes.string_at(pinned.pointer, 3) == b"abc"
    assert _native._Pinned(b"xyz").pointer == b"xyz"
    assert _native._Pinned(memoryview(b"ro")).pointer == b"ro"  # read-only view: copied
    with pytest.raises(TypeError):
        _native._Pinned(b"x", writable=True)


def test_url_options() -> None:
    opts = _url_options(urlsplit("gluster://server:24008/vol/sub/dir"))
    assert opts == {"host": "server", "port": 24008, "volume": "vol", "subdir": "sub/dir"}
    assert _url_options(urlsplit("gluster://h/vol")) == {"host": "h", "volume": "vol"}


def test_signatures_declare_gluster6_stat_pointers() -> None:
    argtypes = _native._SIGNATURES["glfs_pwrite"][1]
    assert len(argtypes) == 7  # fd, buf, count, offset, flags, prestat, poststat
    assert len(_native._SIGNATURES["glfs_pread"][1]) == 6
    assert len(_native._SIGNATURES["glfs_ftruncate"][1]) == 4
    assert len(_native._SIGNATURES["glfs_fsync"][1]) == 3
