"""Config files, ${ENV} expansion, secrets, URLs and objstore.open."""

from __future__ import annotations

from pathlib import Path

import pytest

import objstore
from objstore.config import (
    Secret,
    config_from_mapping,
    expand_env,
    is_secret_name,
    load_config,
    parse_url,
    redact,
    reveal,
)
from objstore.errors import ConfigError, InvalidArgument

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# -- ${ENV} expansion --------------------------------------------------------------------------


def test_expand_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBJ_A", "alpha")
    monkeypatch.delenv("OBJ_UNSET", raising=False)
    assert expand_env("${OBJ_A}/x/${OBJ_A}") == "alpha/x/alpha"
    assert expand_env("${OBJ_UNSET:-fallback}") == "fallback"
    assert expand_env("${OBJ_A:-fallback}") == "alpha"
    assert expand_env("${OBJ_UNSET:-}") == ""
    assert expand_env("${OBJ_UNSET:-/a/b:c}") == "/a/b:c"
    assert expand_env("no vars, $OBJ_A, ${not valid}") == "no vars, $OBJ_A, ${not valid}"


def test_expand_env_empty_value_uses_default_like_the_shell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OBJ_EMPTY", "")
    assert expand_env("${OBJ_EMPTY:-dflt}") == "dflt"
    assert expand_env("[${OBJ_EMPTY}]") == "[]"  # without a default, empty stays empty


def test_unset_variable_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBJ_UNSET", raising=False)
    with pytest.raises(ConfigError, match="OBJ_UNSET is not set") as info:
        expand_env("${OBJ_UNSET}/x", where="configs/x.toml")
    assert "configs/x.toml" in str(info.value)


# -- secrets ------------------------------------------------------------------------------------


def test_secret_never_prints() -> None:
    secret = Secret("hunter2", source="env:X")
    assert str(secret) == "***" and repr(secret) == "Secret('***')"
    assert "hunter2" not in f"{secret} {secret!r} {[secret]} { ({'k': secret}) }"
    assert secret.reveal() == "hunter2"
    assert secret == Secret("hunter2") and secret != Secret("other") and secret != "hunter2"
    assert hash(secret) == hash(Secret("hunter2"))
    assert reveal(secret) == "hunter2" and reveal(5) == 5


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("key", True),
        ("api_key", True),
        ("secret_key", True),
        ("access_token", True),
        ("credentials", True),
        ("PASSWD", True),
        ("keyring", False),
        ("max_key_bytes", False),
        ("pool", False),
        ("monkey", False),
    ],
)
def test_is_secret_name(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_secrets_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBJ_PW", "from-env")
    monkeypatch.setenv("OBJ_DIR", str(tmp_path))
    (tmp_path / "token").write_text("from-file\n")
    cfg = load_config(
        write(
            tmp_path / "c.toml",
            'backend = "memory"\n[options]\n'
            'password = { env = "OBJ_PW" }\n'
            'token = { file = "${OBJ_DIR}/token" }\n',
        )
    )
    pw, token = cfg.options["password"], cfg.options["token"]
    assert isinstance(pw, Secret) and pw.reveal() == "from-env" and pw.source == "env:OBJ_PW"
    assert isinstance(token, Secret) and token.reveal() == "from-file"  # stripped
    assert "from-env" not in repr(cfg) and "from-file" not in repr(cfg)


def test_secret_from_unset_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBJ_UNSET", raising=False)
    text = 'backend = "x"\n[options]\npassword = { env = "OBJ_UNSET" }\n'
    path = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError, match="OBJ_UNSET"):
        load_config(path)


def test_secret_from_missing_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml", f'backend = "x"\n[options]\ntoken = {{ file = "{tmp_path}/nope" }}\n'
    )
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(path)


@pytest.mark.parametrize("name", ["password", "secret", "api_key", "token"])
def test_inline_secret_rejected(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / "c.toml", f'backend = "x"\n[options]\n{name} = "hunter2"\n')
    with pytest.raises(ConfigError, match="looks like a secret") as info:
        load_config(path)
    assert "hunter2" not in str(info.value)


def test_redact() -> None:
    options = {
        "pool": "data",
        "password": "plain-but-secret-named",
        "token": Secret("t"),
        "nested": {"api_key": "k", "depth": 2, "inner": {"secret": "s"}},
        "count": 3,
    }
    out = redact(options)
    assert out == {
        "pool": "data",
        "password": "***",
        "token": "***",
        "nested": {"api_key": "***", "depth": 2, "inner": {"secret": "***"}},
        "count": 3,
    }
    assert options["password"] == "plain-but-secret-named"  # a copy, not in place


# -- TOML files ---------------------------------------------------------------------------------


def test_load_config_with_env_and_types(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBJ_ROOT", str(tmp_path / "data"))
    path = write(
        tmp_path / "posix.toml",
        'backend = "posix"\nname = "mine"\ndescription = "d"\n'
        "[options]\n"
        'root = "${OBJ_ROOT}/objs"\n'
        'xattrs = "${OBJ_XATTRS:-sidecar}"\n'
        "fsync = true\n"
        'tags = ["${OBJ_ROOT}", 1]\n',
    )
    monkeypatch.delenv("OBJ_XATTRS", raising=False)
    cfg = load_config(path)
    assert cfg.backend == "posix" and cfg.name == "mine" and cfg.source == str(path)
    assert cfg.options == {
        "root": f"{tmp_path}/data/objs",
        "xattrs": "sidecar",
        "fsync": True,
        "tags": [str(tmp_path / "data"), 1],
    }


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[options]\nx = 1\n", "backend"),
        ('backend = ""\n', "backend"),
        ("backend = 3\n", "backend"),
        ('backend = "m"\npool = "p"\n', "unknown top-level keys"),
        ('backend = "m"\noptions = 3\n', "must be a table"),
        ('backend = "m"\n[options\n', "c.toml"),
    ],
)
def test_bad_config_files(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_config(write(tmp_path / "c.toml", text))


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml")


def test_config_from_mapping_without_options() -> None:
    cfg = config_from_mapping({"backend": "memory"})
    assert cfg.options == {} and cfg.name is None


@pytest.mark.parametrize("name", ["memory.toml", "posix.toml"])
def test_shipped_embedded_configs_load(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_config(ROOT / "configs" / name)
    assert cfg.backend == name.removesuffix(".toml")


# -- URLs ---------------------------------------------------------------------------------------


def test_parse_url_memory() -> None:
    assert parse_url("memory://") == ("memory", {})
    assert parse_url("memory://?max_object_size=10") == ("memory", {"max_object_size": "10"})
    with pytest.raises(ConfigError, match="takes no location"):
        parse_url("memory://somewhere")  # a location memory would silently ignore


def test_parse_url_posix() -> None:
    assert parse_url("posix:///abs/path") == ("posix", {"root": "/abs/path"})
    assert parse_url("posix://rel/path") == ("posix", {"root": "rel/path"})
    assert parse_url("posix:///with%20space") == ("posix", {"root": "/with space"})
    assert parse_url("posix:///d?xattrs=sidecar&fsync=true") == (
        "posix",
        {"root": "/d", "xattrs": "sidecar", "fsync": "true"},
    )


@pytest.mark.parametrize(
    "url",
    [
        "posix:///d?password=x",
        "posix:///d?api_key=x",
        "rados://pool?key=AQD",
        "posix://user:hunter2@host/d",
    ],
)
def test_secrets_in_urls_rejected(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_url(url)
    assert "hunter2" not in str(info.value) and "AQD" not in str(info.value)


def test_parse_url_errors() -> None:
    with pytest.raises(ConfigError, match="not a URL"):
        parse_url("://nothing")
    with pytest.raises(ConfigError, match="unknown backend 'nosuch'"):
        parse_url("nosuch://x")


# -- objstore.open ------------------------------------------------------------------------------


def test_open_by_name() -> None:
    with objstore.open("memory") as store:
        assert store.name == "memory"
    with objstore.open(backend="memory", max_object_size=5) as store:
        assert store.capabilities.max_object_size == 5


def test_open_by_url(tmp_path: Path) -> None:
    with objstore.open(f"posix://{tmp_path}/u?xattrs=sidecar&fsync=true") as store:
        store.put("k", b"v")
        assert store.describe()["metadata"] == "sidecar"
    assert (tmp_path / "u" / "k").read_bytes() == b"v"
    with objstore.open("memory://?max_object_size=3") as store:
        assert store.capabilities.max_object_size == 3


def test_open_by_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBJ_ROOT", str(tmp_path))
    path = write(
        tmp_path / "p.toml",
        'backend = "posix"\nname = "nice-name"\n[options]\nroot = "${OBJ_ROOT}/cfg"\n',
    )
    for store in (objstore.open(path), objstore.open(str(path)), objstore.open(config=path)):
        with store:
            assert store.name == "nice-name"
            store.put("k", b"v")
    assert (tmp_path / "cfg" / "k").read_bytes() == b"v"


def test_keywords_override_config_and_url(tmp_path: Path) -> None:
    path = write(tmp_path / "p.toml", f'backend = "posix"\n[options]\nroot = "{tmp_path}/a"\n')
    with objstore.open(path, root=str(tmp_path / "b")) as store:
        store.put("k", b"")
    with objstore.open(f"posix://{tmp_path}/c", root=str(tmp_path / "d")) as store:
        store.put("k", b"")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "d", "p.toml"]


def test_config_and_backend_must_agree(tmp_path: Path) -> None:
    path = write(tmp_path / "m.toml", 'backend = "memory"\n')
    with pytest.raises(ConfigError, match="is for backend 'memory', not 'posix'"):
        objstore.open(backend="posix", config=path)


def test_open_needs_something() -> None:
    with pytest.raises(ConfigError, match="name a backend"):
        objstore.open()


@pytest.mark.parametrize(
    ("backend", "accepted"), [("memory", "max_object_size"), ("posix", "root, xattrs, fsync")]
)
def test_unknown_option_names_accepted_ones(backend: str, accepted: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        objstore.open(backend, root=str(tmp_path), colour="blue", max_object_size=1)
    message = str(info.value)
    assert "colour" in message and f"it accepts: {accepted}" in message
    assert info.value.backend == backend and info.value.op == "open"


def test_bad_option_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="max_object_size"):
        objstore.open("memory", max_object_size=-1)
    with pytest.raises(ConfigError, match="max_object_size"):
        objstore.open("memory", max_object_size=True)
    with pytest.raises(ConfigError, match="xattrs"):
        objstore.open("posix", root=str(tmp_path), xattrs="maybe")
    with pytest.raises(ConfigError, match="fsync"):
        objstore.open("posix", root=str(tmp_path), fsync="sometimes")
    with pytest.raises(ConfigError, match="root"):
        objstore.open("posix")


def test_open_errors_carry_backend_and_op(tmp_path: Path) -> None:
    file = tmp_path / "a-file"
    file.write_text("")
    with pytest.raises(InvalidArgument, match="not a directory") as info:
        objstore.open("posix", root=str(file))
    assert (info.value.backend, info.value.op) == ("posix", "open")


def test_open_path_like_relative_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with objstore.open("posix://rel") as store:
        store.put("k", b"v")
    assert (tmp_path / "rel" / "k").exists()
    assert Path("rel").is_dir()
