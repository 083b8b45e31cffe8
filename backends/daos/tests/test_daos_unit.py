"""Unit tests of the daos backend without DAOS: config, error table, registration."""

from __future__ import annotations

import importlib.util
from urllib.parse import urlsplit

import pytest

import objstore
from backends.daos import UNAVAILABLE, probe, url_options
from backends.daos.config import DEFAULT_CHUNK_SIZE, DaosConfig
from backends.daos.errors import error_table
from objstore.errors import (
    AlreadyExists,
    BackendError,
    ConfigError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Timeout,
    Unavailable,
)
from tests import pydaos_double as double


def test_config_defaults_and_validation() -> None:
    cfg = DaosConfig.from_mapping({"pool": "p", "container": "c"})
    assert (cfg.chunk_size, cfg.open_mode, cfg.oclass) == (DEFAULT_CHUNK_SIZE, "RW", "0")
    assert DaosConfig.from_mapping({"path": "/mnt/c", "chunk_size": "4096"}).chunk_size == 4096
    assert (
        DaosConfig.from_mapping({"pool": "p", "container": "c", "open_mode": "ro"}).open_mode
        == "RO"
    )
    for bad in (
        {},
        {"pool": "p"},
        {"pool": "p", "container": "c", "chunk_size": 0},
        {"pool": "p", "container": "c", "chunk_size": True},
        {"pool": "p", "container": "c", "open_mode": "rw+"},
        {"pool": "p", "container": "c", "oclass": "bogus"},
        {"pool": "p", "container": "c", "namespace": "a b"},
        {"pool": "p\0", "container": "c"},
        {"pool": "p", "container": "c", "colour": "red"},
    ):
        with pytest.raises(ConfigError):
            DaosConfig.from_mapping(bad)


def _pyd(rc: int) -> double.PyDError:
    return double.PyDError("failed", rc)


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (_pyd(-1005), NotFound),  # DER_NONEXIST
        (_pyd(-1001), PermissionDenied),  # DER_NO_PERM
        (_pyd(-1004), AlreadyExists),  # DER_EXIST
        (_pyd(-1011), Timeout),  # DER_TIMEDOUT
        (_pyd(-1006), Unavailable),  # DER_UNREACH
        (_pyd(-1003), InvalidArgument),  # DER_INVAL
        (_pyd(-2001), BackendError),  # DER_IO
        (_pyd(-1016), BackendError),  # DER_TRUNC: not listed
        (_pyd(2), NotFound),  # ENOENT from duns_resolve_path
        (double.DObjNotFound("x"), NotFound),
        (KeyError("k"), NotFound),
        (double.InvalidModeError("bad"), ConfigError),
        (RuntimeError("?"), BackendError),
    ],
)
def test_error_table(exc: BaseException, cls: type[Exception]) -> None:
    err = error_table(double).translate(exc, "get", "key")
    assert type(err) is cls
    assert (err.backend, err.op, err.key) == ("daos", "get", "key")
    assert err.__cause__ is exc
    if isinstance(exc, double.PyDError) and exc.error.err < 0:
        assert err.code == -exc.error.err


def test_mapped_raises_taxonomy_with_cause() -> None:
    with pytest.raises(PermissionDenied) as info, error_table(double).mapped("put", "k"):
        raise _pyd(-1001)
    assert isinstance(info.value.__cause__, double.PyDError)


def test_probe_reports_exactly_why() -> None:
    expected = None if importlib.util.find_spec("pydaos") else UNAVAILABLE
    assert probe() == expected
    assert objstore.get_registry().get("daos").unavailable_reason() == expected


def test_url_options() -> None:
    assert url_options(urlsplit("daos://tank/objects")) == {"pool": "tank", "container": "objects"}


def test_open_without_pydaos_is_unavailable() -> None:
    with pytest.raises(Unavailable, match="not importable"):
        objstore.open("daos", pool="p", container="c", pydaos_module="no_such_pydaos_module")


def test_open_missing_container_is_not_found() -> None:
    with pytest.raises(NotFound):
        objstore.open("daos", pool="objstore-test", container="nope", pydaos_module=double.__name__)
