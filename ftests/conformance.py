"""The conformance cases on every backend of ftests/backends.yaml, one test per feature.

Run: ``avocado run ftests/ -m ftests/backends.yaml`` (all backends), add
``--mux-filter-only /run/backends/rados`` for one backend or ``-t metadata`` for one
feature, or use ``objstore ftest``.
"""

from __future__ import annotations

from objstore_base import ObjstoreFeatureTest


class Conformance(ObjstoreFeatureTest):
    """The objstore spec, feature by feature.

    :avocado: enable
    :avocado: tags=all,objstore,conformance
    """

    def test_put(self) -> None:
        """Every write mode x object state x offset x size, and put's errors.

        :avocado: tags=pr,put
        """
        self.run_feature("put")

    def test_get(self) -> None:
        """Ranges, reads past the end, get_into.

        :avocado: tags=pr,get
        """
        self.run_feature("get")

    def test_delete(self) -> None:
        """Delete, NotFound, re-creation.

        :avocado: tags=pr,delete
        """
        self.run_feature("delete")

    def test_list(self) -> None:
        """Prefixes, exactly-once, list after delete.

        :avocado: tags=pr,list
        """
        self.run_feature("list")

    def test_stat(self) -> None:
        """Sizes after every mode, mtime.

        :avocado: tags=pr,stat
        """
        self.run_feature("stat")

    def test_metadata(self) -> None:
        """The attribute lifecycle.

        :avocado: tags=pr,metadata
        """
        self.run_feature("metadata")

    def test_keys(self) -> None:
        """Unicode, long, maximal and path-like keys.

        :avocado: tags=pr,keys
        """
        self.run_feature("keys")

    def test_errors(self) -> None:
        """Every error class with its exact type.

        :avocado: tags=pr,errors
        """
        self.run_feature("errors")

    def test_stream(self) -> None:
        """Streams up to 64 MiB in bounded memory.

        :avocado: tags=pr,daily_regression,stream
        """
        self.run_feature("stream")

    def test_concurrency(self) -> None:
        """Create races, atomic appends, many threads.

        :avocado: tags=pr,daily_regression,concurrency
        """
        self.run_feature("concurrency")
