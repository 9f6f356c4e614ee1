"""A full disk under the session store (the outside probe's finding): chat turns are a
clear 503 ``storage_unavailable`` instead of a 500, ``/readyz`` reports it so a load
balancer routes away, nothing stored is lost, and the tutor recovers by itself when
space returns. The data dir lives on a real 4 MB tmpfs, filled with a file."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from deploy.app import create_app
from tests.deploy.conftest import make_settings


def _mount_tmpfs(where: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _mount_tmpfs(disk):
        pytest.skip("needs root and tmpfs (mount -t tmpfs) for a real full disk")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> Path:
    """Take every free byte of ``disk``; return the file to delete to free them."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 512, 1):  # big blocks, then the last crumbs
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    with pytest.raises(OSError) as full:
        os.write(os.open(disk / "probe", os.O_WRONLY | os.O_CREAT), b"x")
    assert full.value.errno == errno.ENOSPC
    return filler


def test_a_full_disk_is_a_503_that_loses_nothing_and_heals(small_disk, real_parts, embedder):
    from assistant.factory import make_tutor

    settings = make_settings(small_disk)
    tutor = make_tutor(settings, embedder=embedder, retriever=real_parts.retriever)
    app = create_app(settings, tutor=tutor, retriever=real_parts.retriever)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            sid = client.post("/v1/chat", json={"message": "hello"}).json()["session_id"]
            filler = _fill(small_disk)

            for body in ({"message": "what is the hidden state?", "session_id": sid},
                         {"message": "quiz me"}):  # fmt: skip
                r = client.post("/v1/chat", json=body)
                assert r.status_code == 503, r.text
                error = r.json()["error"]
                assert error["code"] == "storage_unavailable"
                assert "cannot save right now" in error["message"]
            r = client.post("/v1/chat/stream", json={"message": "hi", "session_id": sid})
            assert r.status_code == 503 and r.json()["error"]["code"] == "storage_unavailable"
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["error"]["code"] == "storage_unavailable"
            assert client.get("/healthz").status_code == 200  # alive, just not ready
            kept = client.get(f"/v1/sessions/{sid}/messages").json()["messages"]
            assert [m["content"] for m in kept][:1] == ["hello"] and len(kept) == 2

            filler.unlink()  # space returns: no restart needed
            assert client.get("/readyz").status_code == 200
            r = client.post("/v1/chat", json={"message": "what is the hidden state?",
                                              "session_id": sid})  # fmt: skip
            assert r.status_code == 200, r.text
            kept = client.get(f"/v1/sessions/{sid}/messages").json()["messages"]
            assert [m["role"] for m in kept] == ["user", "assistant"] * 2
    finally:
        tutor.sessions.close()
