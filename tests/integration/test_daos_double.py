"""The pydaos TEST DOUBLE against pydaos's documented behaviour (daos-stack/daos source).

The same assertions run on the real pydaos when it is importable and DAOS_POOL/DAOS_CONT
name a PYTHON container, which is how the double is kept honest.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

DOUBLE = "tests.pydaos_double"
REAL = bool(
    importlib.util.find_spec("pydaos")
    and os.environ.get("DAOS_POOL")
    and os.environ.get("DAOS_CONT")
)
MODULES = [
    pytest.param(DOUBLE, id="double"),
    pytest.param(
        "pydaos",
        id="pydaos",
        marks=pytest.mark.skipif(
            not REAL, reason="real pydaos not importable or DAOS_POOL/DAOS_CONT not set"
        ),
    ),
]


@pytest.fixture(params=MODULES)
def env(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any, Any]]:
    """(module, container, a fresh DDict) - the DDict is destroyed afterwards."""
    module = importlib.import_module(request.param)
    if request.param == DOUBLE:
        pool, cont = "objstore-test", "objstore-test"
    else:
        pool, cont = os.environ["DAOS_POOL"], os.environ["DAOS_CONT"]
    handle = module.DCont(pool, cont)
    name = f"double-test-{uuid.uuid4().hex[:8]}"
    ddict = handle.dict(name)
    yield module, handle, ddict
    handle.destroy(name)


def test_put_none_or_empty_removes_the_key(env: tuple[Any, Any, Any]) -> None:
    _, _, d = env
    for empty in (None, "", b""):
        d.put("k", b"value")
        assert d.get("k") == b"value"
        d.put("k", empty)
        assert "k" not in d
        with pytest.raises(KeyError):
            d.get("k")
    d["gone"] = b"x"
    del d["gone"]
    del d["never-there"]  # removing a missing key is not an error
    d.pop("never-there")


def test_values_come_back_as_bytes(env: tuple[Any, Any, Any]) -> None:
    _, _, d = env
    d.put("s", "héllo")
    assert d.get("s") == "héllo".encode()
    d.put("b", b"\0binary\0")
    assert d["b"] == b"\0binary\0"
    with pytest.raises(TypeError):
        d.put("ba", bytearray(b"no"))  # PyBytes_AsStringAndSize accepts bytes only


def test_bulk_get_and_put(env: tuple[Any, Any, Any]) -> None:
    _, _, d = env
    d.bput({f"k{i}": bytes([i + 1]) * (i + 1) for i in range(40)})
    got = d.bget({"k0": None, "k39": None, "missing": None}, value_size=4)
    assert got == {"k0": b"\x01", "k39": b"\x28" * 40, "missing": None}
    assert len(d) == 40 and bool(d)
    assert sorted(d) == sorted(f"k{i}" for i in range(40))
    assert d.dump()["k5"] == b"\x06" * 6
    d.bput({f"k{i}": None for i in range(40)})
    assert len(d) == 0 and not d


def test_iteration_is_complete_beyond_one_batch(env: tuple[Any, Any, Any]) -> None:
    _, _, d = env
    keys = {f"key-{i:05d}" for i in range(700)}  # more than the first 256-entry batch
    d.bput(dict.fromkeys(keys, b"v"))
    listed = list(d)
    assert len(listed) == len(keys) and set(listed) == keys
    assert all(isinstance(k, str) for k in listed)


def test_missing_object_and_errors(env: tuple[Any, Any, Any]) -> None:
    module, handle, d = env
    with pytest.raises(module.DObjNotFound) as missing:
        handle.get("no-such-dict")
    assert "no-such-dict" in str(missing.value)
    assert not isinstance(missing.value, module.PyDError)
    with pytest.raises(module.PyDError) as exists:
        handle.dict(d.name)
    err = exists.value
    assert err.error.name == "DER_EXIST" and err.error.err < 0
    assert "DER_EXIST" in err.message and str(err) == err.message
    assert not hasattr(err, "errno")
    with pytest.raises(module.PyDError) as gone:
        handle.destroy("no-such-dict")
    assert gone.value.error.name == "DER_NONEXIST"
    assert module.DaosErrorCode(-1005).name == "DER_NONEXIST"
    assert module.DaosErrorCode(-999999).name == "DER_UNKNOWN"


def test_dcont_validation(env: tuple[Any, Any, Any]) -> None:
    module, _, _ = env
    with pytest.raises(module.PyDError) as info:
        module.DCont(pool="only-pool")
    assert info.value.error.name == "DER_INVAL"
    with pytest.raises(module.InvalidModeError):
        module.DCont("p", "c", open_mode="rw")
    assert issubclass(module.InvalidModeError, ValueError)
    with pytest.raises(module.PyDError) as nopool:
        module.DCont(f"no-pool-{uuid.uuid4().hex[:6]}", "c")
    assert nopool.value.error.name == "DER_NONEXIST"


def test_keys_are_c_strings(env: tuple[Any, Any, Any]) -> None:
    _, _, d = env
    d.put(b"cut\0here", b"v")  # bytes keys: the C API sees "cut"
    assert d.get("cut") == b"v"
    if sys.version_info >= (3, 13):
        with pytest.raises(ValueError):
            d.put("nul\0key", b"v")
    with pytest.raises(UnicodeEncodeError):
        d.put("\udc80", b"v")


def test_double_only_helpers() -> None:
    """The double's admin helpers: labels and UUIDs, ACLs, layout, faults."""
    double = importlib.import_module(DOUBLE)
    assert double.__objstore_test_double__ is True
    assert "TEST DOUBLE" in (double.__doc__ or "")
    label = f"c-{uuid.uuid4().hex[:6]}"
    cont_uuid = double.create_container("objstore-test", label)
    try:
        by_uuid = double.DCont("objstore-test", cont_uuid)
        by_uuid.dict("d").put("k", b"v")
        assert double.snapshot("objstore-test", label) == {"d": {"k": b"v"}}
        ro = double.DCont("objstore-test", label, open_mode="RO")
        with pytest.raises(double.PyDError) as denied:
            ro.get("d").put("k", b"w")
        assert denied.value.error.name == "DER_NO_PERM"
        double.set_access("objstore-test", label, write=False)
        with pytest.raises(double.PyDError):
            double.DCont("objstore-test", label)
        double.set_access("objstore-test", label, write=True)
        double.inject_error("kv_get", -1011)
        with pytest.raises(double.PyDError) as timeout:
            by_uuid.get("d").get("k")
        assert timeout.value.error.name == "DER_TIMEDOUT"
        assert by_uuid.get("d").get("k") == b"v"  # the fault fired once
    finally:
        double.destroy_container("objstore-test", label)
    posix_label = f"p-{uuid.uuid4().hex[:6]}"
    double.create_container("objstore-test", posix_label, layout="POSIX")
    with pytest.raises(double.PyDError) as layout:
        double.DCont("objstore-test", posix_label)
    assert layout.value.error.name == "DER_INVAL"
    double.destroy_container("objstore-test", posix_label)
