"""The deployment every scale test shares: engines, the index, and named instances.

One ``Cluster`` per test run (package scope): a Chroma server, a fresh PostgreSQL
database and an empty Redis database, with the bundled lessons indexed by ``tutor
index`` as compose's one-shot ``indexer`` does. Tests ask it for running instances with
``cluster.pair(...)``, which reuses or restarts them as the settings require.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scale.cluster import Cluster, backing_services, scale_urls


@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    urls = scale_urls()
    assert urls is not None, "scale tests are skipped without TUTOR_TEST_* URLs"
    workdir = tmp_path_factory.mktemp("scale")
    with backing_services(workdir, *urls) as backing:
        backing.tutor(["index"], workdir / "indexer")
        cluster = Cluster(backing)
        try:
            yield cluster
        finally:
            cluster.stop_all()
