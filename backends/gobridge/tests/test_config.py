"""Options of the gobridge backend, without a cluster."""

from __future__ import annotations

import pytest

from backends.gobridge.config import GoBridgeConfig
from objstore.config import Secret
from objstore.errors import ConfigError


def test_defaults_and_entity() -> None:
    cfg = GoBridgeConfig.from_mapping({"pool": "p", "user": "objstore"})
    assert cfg.entity == "client.objstore"
    assert cfg.cluster == "ceph"
    # Never 0: a call to a dead osd must end with Timeout, not block forever.
    assert cfg.osd_op_timeout > 0 and cfg.mon_op_timeout > 0 and cfg.mount_timeout > 0


def test_same_option_names_as_the_generated_config() -> None:
    names = set(GoBridgeConfig.option_names())
    assert {
        "conffile",
        "user",
        "keyring",
        "pool",
        "namespace",
        "mount_timeout",
        "osd_op_timeout",
        "mon_op_timeout",
    } <= names


def test_timeouts_accept_numbers_and_strings() -> None:
    cfg = GoBridgeConfig.from_mapping({"pool": "p", "osd_op_timeout": "2.5", "mount_timeout": 3})
    assert cfg.osd_op_timeout == 2.5
    assert cfg.mount_timeout == 3.0


def test_secret_values_are_revealed() -> None:
    cfg = GoBridgeConfig.from_mapping({"pool": Secret("p")})
    assert cfg.pool == "p"


@pytest.mark.parametrize(
    "options",
    [
        {},  # pool missing
        {"pool": ""},
        {"pool": "p", "user": ""},
        {"pool": "p", "bogus": 1},
        {"pool": 3},
        {"pool": "p\x00q"},
        {"pool": "p", "osd_op_timeout": 0},
        {"pool": "p", "osd_op_timeout": "soon"},
        {"pool": "p", "osd_op_timeout": True},
        {"pool": "p", "mount_timeout": float("inf")},
    ],
)
def test_bad_options_raise_config_error(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        GoBridgeConfig.from_mapping(options)
