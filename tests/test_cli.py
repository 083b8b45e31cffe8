"""The objstore command line: data commands, exit codes, clean messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from objstore.cli import main

ROOT = Path(__file__).resolve().parent.parent
OBJSTORE = Path(sys.executable).parent / "objstore"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"posix://{tmp_path}/store"


def run(runner: CliRunner, *args: str, input: bytes | None = None) -> Result:
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


def one_line_error(result: Result, cls: str) -> str:
    """The error message of a failed command: exactly one stderr line naming the class."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"objstore: {cls}: "), lines[0]
    assert "Traceback" not in result.output
    return lines[0]


# -- backends ---------------------------------------------------------------------------------


def test_backends_table(runner: CliRunner) -> None:
    result = run(runner, "backends")
    assert result.exit_code == 0, result.output
    assert "memory" in result.stdout and "posix" in result.stdout
    assert "yes" in result.stdout


def test_backends_json(runner: CliRunner) -> None:
    result = run(runner, "backends", "--json")
    assert result.exit_code == 0
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    for name in ("memory", "posix"):
        row = rows[name]
        assert row["available"] is True and row["reason"] == ""
        assert row["plugin"] == name
        assert {"write_full", "atomic_write_full", "create_exclusive"} <= set(row["capabilities"])
    assert rows["posix"]["limits"]["max_key_bytes"] == 255
    assert "persistent" in rows["posix"]["capabilities"]
    assert "persistent" not in rows["memory"]["capabilities"]
    for row in rows.values():  # unavailable ones say why
        assert row["available"] or row["reason"]


# -- put / get ---------------------------------------------------------------------------------


def test_put_get_10mib_file_byte_for_byte(runner: CliRunner, url: str, tmp_path: Path) -> None:
    data = os.urandom(10 << 20)
    source = tmp_path / "in.bin"
    source.write_bytes(data)
    result = run(runner, "-b", url, "put", "big", str(source), "--chunk-size", "1000000")
    assert result.exit_code == 0, result.output
    assert f"wrote {len(data)} bytes" in result.stderr
    target = tmp_path / "out.bin"
    result = run(runner, "-b", url, "get", "big", str(target), "--chunk-size", "999999")
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == data
    assert not list(tmp_path.glob("*.objstore-partial"))
    assert (tmp_path / "store" / "big").read_bytes() == data


def test_put_stdin_get_stdout(runner: CliRunner, url: str) -> None:
    data = os.urandom(300_000) + b"\x00\n\r\x00"
    assert run(runner, "-b", url, "put", "k", "-", input=data).exit_code == 0
    assert run(runner, "-b", url, "put", "k2", input=data).exit_code == 0  # SOURCE defaults to -
    for key in ("k", "k2"):
        result = run(runner, "-b", url, "get", key)
        assert result.exit_code == 0
        assert result.stdout_bytes == data


def test_ranged_get(runner: CliRunner, url: str) -> None:
    run(runner, "-b", url, "put", "k", input=b"0123456789")
    ranged = run(runner, "-b", url, "get", "k", "--offset", "3", "--length", "4")
    assert ranged.stdout_bytes == b"3456"
    assert run(runner, "-b", url, "get", "k", "--offset", "8").stdout_bytes == b"89"
    assert run(runner, "-b", url, "get", "k", "--offset", "50").stdout_bytes == b""


def test_modes_and_offset(runner: CliRunner, url: str) -> None:
    run(runner, "-b", url, "put", "k", input=b"hello")
    result = run(runner, "-b", url, "put", "k", "--mode", "w", "--offset", "7", input=b"XY")
    assert result.exit_code == 0
    assert run(runner, "-b", url, "get", "k").stdout_bytes == b"hello\0\0XY"
    assert run(runner, "-b", url, "put", "k", "-m", "wa", input=b"!").exit_code == 0
    assert run(runner, "-b", url, "get", "k").stdout_bytes == b"hello\0\0XY!"
    assert run(runner, "-b", url, "put", "k", "-m", "wf", input=b"new").exit_code == 0
    assert run(runner, "-b", url, "get", "k").stdout_bytes == b"new"


def test_offset_with_other_mode_is_invalid(runner: CliRunner, url: str) -> None:
    result = run(runner, "-b", url, "put", "k", "--offset", "3", input=b"x")
    assert result.exit_code == 6
    assert "only valid with mode 'w'" in one_line_error(result, "InvalidArgument")


def test_create_twice(runner: CliRunner, url: str) -> None:
    assert run(runner, "-b", url, "put", "k", "-m", "create", input=b"first").exit_code == 0
    result = run(runner, "-b", url, "put", "k", "-m", "create", input=b"second")
    assert result.exit_code == 4
    line = one_line_error(result, "AlreadyExists")
    assert "'k'" in line and "[posix]" in line
    assert run(runner, "-b", url, "get", "k").stdout_bytes == b"first"


def test_missing_key(runner: CliRunner, url: str, tmp_path: Path) -> None:
    result = run(runner, "-b", url, "get", "nope")
    assert result.exit_code == 3
    assert "'nope'" in one_line_error(result, "NotFound")
    result = run(runner, "-b", url, "get", "nope", str(tmp_path / "out"))
    assert result.exit_code == 3
    assert not list(tmp_path.glob("out*"))  # no empty or partial file left behind
    assert run(runner, "-b", url, "stat", "nope").exit_code == 3
    assert run(runner, "-b", url, "rm", "nope").exit_code == 3
    assert run(runner, "-b", url, "rm", "-f", "nope").exit_code == 0


def test_long_error_stays_one_line(runner: CliRunner, url: str) -> None:
    result = run(runner, "-b", url, "get", "k" * 200)
    assert result.exit_code == 3
    one_line_error(result, "NotFound")


def test_traversal_key_stays_inside_root(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "deep" / "store"
    url = f"posix://{root}"
    for key in ("../escape", "../../escape", "/etc/escape", "a/../../escape", ".."):
        result = run(runner, "-b", url, "put", key, input=b"payload")
        assert result.exit_code == 0, result.output
        assert run(runner, "-b", url, "get", key).stdout_bytes == b"payload"
    outside = [
        Path(d) / f
        for d, _, files in os.walk(tmp_path)
        for f in files
        if not Path(d).is_relative_to(root)
    ]
    assert outside == []
    listed = run(runner, "-b", url, "ls", "--sort").stdout.splitlines()
    assert listed == sorted(["../escape", "../../escape", "/etc/escape", "a/../../escape", ".."])


def test_negative_offset(runner: CliRunner, url: str) -> None:
    run(runner, "-b", url, "put", "k", input=b"x")
    for args in (("get", "k", "--offset", "-1"), ("get", "k", "--length", "-5")):
        result = run(runner, "-b", url, *args)
        assert result.exit_code == 6
        assert "must not be negative" in one_line_error(result, "InvalidArgument")
    result = run(runner, "-b", url, "put", "k", "-m", "w", "--offset", "-1", input=b"x")
    assert result.exit_code == 6
    one_line_error(result, "InvalidArgument")


def test_unknown_mode_is_a_usage_error(runner: CliRunner, url: str) -> None:
    result = run(runner, "-b", url, "put", "k", "--mode", "rw", input=b"x")
    assert result.exit_code == 2
    assert "Invalid value for '-m' / '--mode'" in result.stderr
    assert "'rw' is not one of" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_backend(runner: CliRunner) -> None:
    result = run(runner, "-b", "nosuch", "ls")
    assert result.exit_code == 10
    line = one_line_error(result, "ConfigError")
    assert "unknown backend 'nosuch'" in line and "memory" in line and "posix" in line


def test_unknown_option(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "-b", "posix", "-o", f"root={tmp_path}", "-o", "colour=red", "ls")
    assert result.exit_code == 10
    assert "it accepts: root, xattrs, fsync" in one_line_error(result, "ConfigError")


def test_usage_errors(runner: CliRunner, tmp_path: Path) -> None:
    assert run(runner, "ls").exit_code == 2  # no store named
    assert run(runner, "-b", "memory", "-o", "novalue", "ls").exit_code == 2
    result = run(runner, "-b", "memory", "put", "k", str(tmp_path / "absent"))
    assert result.exit_code == 2 and "not a readable file" in result.stderr


def test_options_and_config_file(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "o"
    options = ("-o", f"root={root}", "-o", "fsync=true")
    result = run(runner, "-b", "posix", *options, "put", "k", input=b"v")
    assert result.exit_code == 0, result.output
    config = tmp_path / "c.toml"
    config.write_text(f'backend = "posix"\n[options]\nroot = "{root}"\n')
    assert run(runner, "-c", str(config), "get", "k").stdout_bytes == b"v"


# -- ls / stat / rm ---------------------------------------------------------------------------


def test_ls_long_sort_and_stat(runner: CliRunner, url: str) -> None:
    for key, data in (("b/2", b"22"), ("a", b""), ("b/1", b"1"), ("c", b"333")):
        run(runner, "-b", url, "put", key, input=data)
    unsorted = run(runner, "-b", url, "ls").stdout.splitlines()
    assert sorted(unsorted) == ["a", "b/1", "b/2", "c"]
    assert run(runner, "-b", url, "ls", "--sort").stdout.splitlines() == ["a", "b/1", "b/2", "c"]
    assert run(runner, "-b", url, "ls", "--sort", "b/").stdout.splitlines() == ["b/1", "b/2"]
    long = run(runner, "-b", url, "ls", "-l", "--sort").stdout.splitlines()
    assert [line.split() for line in long][3][0::2] == ["3", "c"]
    assert all(line.split()[1].endswith("Z") for line in long)
    stat = run(runner, "-b", url, "stat", "b/2")
    assert stat.exit_code == 0 and stat.stdout.startswith("b/2 mtime ") and "size 2" in stat.stdout
    info = json.loads(run(runner, "-b", url, "stat", "c", "--json").stdout)
    assert info["key"] == "c" and info["size"] == 3 and isinstance(info["mtime"], float)
    assert run(runner, "-b", url, "rm", "a", "c").exit_code == 0
    assert run(runner, "-b", url, "ls", "--sort").stdout.splitlines() == ["b/1", "b/2"]


# -- meta ---------------------------------------------------------------------------------------


def test_meta_lifecycle(runner: CliRunner, url: str, tmp_path: Path) -> None:
    run(runner, "-b", url, "put", "k", input=b"data")
    binary = bytes(range(256))
    value_file = tmp_path / "v.bin"
    value_file.write_bytes(binary)
    assert run(runner, "-b", url, "meta", "set", "k", "colour", "blue").exit_code == 0
    result = run(runner, "-b", url, "meta", "set", "k", "raw", "--file", str(value_file))
    assert result.exit_code == 0
    assert run(runner, "-b", url, "meta", "get", "k", "colour").stdout_bytes == b"blue"
    assert run(runner, "-b", url, "meta", "get", "k", "raw").stdout_bytes == binary
    assert run(runner, "-b", url, "meta", "ls", "k").stdout.splitlines() == ["colour", "raw"]
    values = run(runner, "-b", url, "meta", "ls", "k", "--values").stdout.splitlines()
    assert values == ["colour\tblue", f"raw\t0x{binary.hex()}"]
    assert run(runner, "-b", url, "meta", "rm", "k", "colour").exit_code == 0
    assert run(runner, "-b", url, "meta", "ls", "k").stdout.splitlines() == ["raw"]
    result = run(runner, "-b", url, "meta", "get", "k", "colour")
    assert result.exit_code == 3
    one_line_error(result, "NotFound")
    assert run(runner, "-b", url, "meta", "rm", "k", "colour").exit_code == 3
    assert run(runner, "-b", url, "meta", "set", "nope", "a", "b").exit_code == 3
    # wf replaces the data but keeps the metadata.
    run(runner, "-b", url, "put", "k", input=b"new data")
    assert run(runner, "-b", url, "meta", "get", "k", "raw").stdout_bytes == binary


def test_meta_set_needs_exactly_one_value(runner: CliRunner, url: str, tmp_path: Path) -> None:
    run(runner, "-b", url, "put", "k", input=b"")
    assert run(runner, "-b", url, "meta", "set", "k", "a").exit_code == 2
    value_file = tmp_path / "v"
    value_file.write_bytes(b"x")
    result = run(runner, "-b", url, "meta", "set", "k", "a", "v", "--file", str(value_file))
    assert result.exit_code == 2


# -- check ------------------------------------------------------------------------------------


def test_check_memory_subset(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "-b", "memory", "-k", "put.wf"])
    assert result.exit_code == 0, result.output
    assert "objstore conformance" in result.stdout
    assert "memory" in result.stdout
    last = result.stdout.strip().splitlines()[-1]
    passed, _, rest = last.partition(" passed, ")
    assert int(passed) > 0 and rest.startswith("0 failed"), last


# -- a real process ---------------------------------------------------------------------------


def test_real_process_round_trip_and_clean_errors(tmp_path: Path) -> None:
    """The installed console script: a real stdin pipe, and no traceback for expected errors."""
    url = f"posix://{tmp_path}/store"
    data = os.urandom(3 << 20)
    env = {**os.environ, "COLUMNS": "40"}  # a narrow terminal must not wrap the error line
    put = subprocess.run(
        [str(OBJSTORE), "-b", url, "put", "k", "-"],
        input=data,
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert put.returncode == 0, put.stderr
    assert (tmp_path / "store" / "k").read_bytes() == data  # read back without a 2nd process
    bad = subprocess.run(
        [str(OBJSTORE), "-b", url, "get", "missing/" + "x" * 60, "--offset", "0"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 3
    stderr = bad.stderr.decode()
    assert "Traceback" not in stderr
    assert len(stderr.splitlines()) == 1 and stderr.startswith("objstore: NotFound:")


def test_get_into_a_missing_directory_is_a_clean_error(
    runner: CliRunner, url: str, tmp_path: Path
) -> None:
    run(runner, "-b", url, "put", "k", input=b"v")
    result = run(runner, "-b", url, "get", "k", str(tmp_path / "no" / "such" / "dir" / "out"))
    assert result.exit_code == 1
    assert "Could not open file" in result.stderr and "Traceback" not in result.output
