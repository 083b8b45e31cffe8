"""The objstore pytest plugin (entry point pytest11), exercised through pytester."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
import pytest

def test_roundtrip(store):
    store.put("k", b"v\\x00")
    assert store.get("k") == b"v\\x00"

def test_starts_empty(store):
    assert list(store.list()) == []
    store.put("left-behind", b"x")

@pytest.mark.objstore_requires("snapshots")
def test_needs_snapshots(store):
    raise AssertionError("must not run on a backend without snapshots")

@pytest.mark.objstore_requires("append")
def test_needs_append(store):
    store.put("log", b"a", "wa")
    assert store.get("log") == b"a"
"""


@pytest.fixture(autouse=True)
def _not_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)


def test_default_backend_is_memory(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_inprocess("-v", "-rs")
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(["*test_roundtrip?memory? PASSED*", "*lacks capability snapshots*"])


def test_repeatable_backends_parametrize(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_inprocess(
        "-v", "--objstore-backend", "memory", "--objstore-backend", "posix"
    )
    result.assert_outcomes(passed=6, skipped=2)
    result.stdout.fnmatch_lines(
        ["*test_roundtrip?memory? PASSED*", "*test_roundtrip?posix? PASSED*"]
    )


def test_each_test_gets_an_empty_prefix(pytester: pytest.Pytester) -> None:
    # Each test leaves a key behind in the session's one memory store; the next must not see it.
    pytester.makepyfile(
        test_twice="""
import pytest

@pytest.mark.parametrize("n", range(3))
def test_empty(store, n):
    assert list(store.list()) == []
    store.put(f"k{n}", b"x")
"""
    )
    result = pytester.runpytest_inprocess("test_twice.py")
    result.assert_outcomes(passed=3)


def test_config_file_target(pytester: pytest.Pytester) -> None:
    config = pytester.makefile(".toml", mystore='backend = "memory"\n')
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_inprocess("-v", "--objstore-config", str(config))
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(["*test_roundtrip?mystore? PASSED*"])


def test_unknown_capability_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.objstore_requires("apend")
def test_typo(store):
    pass
"""
    )
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown capability apend*"])


def test_unavailable_backend_skips_with_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_inprocess("-rs", "--objstore-backend", "nosuchbackend")
    result.assert_outcomes(skipped=4)
    result.stdout.fnmatch_lines(["*nosuchbackend*unknown backend*"])


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--markers")
    result.stdout.fnmatch_lines(["*objstore_requires(*capabilities)*"])


def test_options_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--help")
    result.stdout.fnmatch_lines(["*--objstore-backend=NAME*", "*--objstore-config=PATH*"])
