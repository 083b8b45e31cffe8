"""RadosConfig: validation of options without a cluster."""

from __future__ import annotations

import pytest

from backends.rados import url_options
from backends.rados.config import RadosConfig
from objstore.config import Secret
from objstore.errors import ConfigError


def test_defaults_and_entity() -> None:
    config = RadosConfig.from_mapping({"pool": "p"})
    assert config.entity == "client.objstore"
    assert config.cluster == "ceph" and config.namespace == ""
    assert config.ceph_options() == {}


def test_bare_user_becomes_client_entity() -> None:
    assert RadosConfig.from_mapping({"pool": "p", "user": "admin"}).entity == "client.admin"
    assert RadosConfig.from_mapping({"pool": "p", "user": "osd.0"}).entity == "osd.0"


def test_timeouts_and_keyring_become_ceph_options() -> None:
    config = RadosConfig.from_mapping(
        {
            "pool": "p",
            "keyring": "/k",
            "mount_timeout": 5,
            "osd_op_timeout": "2.5",
            "mon_op_timeout": 0.5,
        }
    )
    assert config.ceph_options() == {
        "keyring": "/k",
        "client_mount_timeout": "5",
        "rados_osd_op_timeout": "2.5",
        "rados_mon_op_timeout": "0.5",
    }


def test_secret_values_are_revealed_only_into_the_config() -> None:
    config = RadosConfig.from_mapping({"pool": Secret("p")})
    assert config.pool == "p"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"pool": ""},
        {"pool": "p", "user": ""},
        {"pool": "p", "bogus": 1},
        {"pool": 3},
        {"pool": "p", "osd_op_timeout": 0},
        {"pool": "p", "osd_op_timeout": -1},
        {"pool": "p", "mon_op_timeout": "soon"},
        {"pool": "p", "mount_timeout": True},
        {"pool": "p", "mount_timeout": float("inf")},
    ],
)
def test_bad_options_raise_config_error(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        RadosConfig.from_mapping(options)


def test_option_names_are_the_documented_ones() -> None:
    assert RadosConfig.option_names() == (
        "pool",
        "conffile",
        "cluster",
        "user",
        "keyring",
        "namespace",
        "mount_timeout",
        "osd_op_timeout",
        "mon_op_timeout",
    )


def test_url_options() -> None:
    from urllib.parse import urlsplit

    assert url_options(urlsplit("rados://mypool?conffile=/c")) == {"pool": "mypool"}
    assert url_options(urlsplit("rados://")) == {}


def test_missing_keyring_is_a_clear_config_error(tmp_path: object) -> None:
    """Checked before librados is asked: its own message would be 'object not found'."""
    import objstore

    with pytest.raises(ConfigError, match=r"keyring .*does not exist"):
        objstore.open("rados", pool="p", keyring="/nonexistent/objstore.keyring")
