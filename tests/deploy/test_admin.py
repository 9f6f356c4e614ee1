"""The instructor view: token checks, the rendered page and the CSV export."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from tests.deploy.conftest import real_app

TOKEN = "s3cret-admin-token"


def test_admin_disabled_without_token(real_client):
    r = real_client.get("/admin")
    assert r.status_code == 403 and "TUTOR_ADMIN_TOKEN" in r.json()["error"]["message"]


def test_admin_page_and_export(real_parts):
    with TestClient(real_app(real_parts, admin_token=TOKEN)) as client:
        assert client.get("/admin").status_code == 401
        assert (
            client.get("/admin", params={"token": "wrong"}).json()["error"]["code"]
            == "unauthorized"
        )
        body = client.post("/v1/chat", json={"message": "What is the hidden state?"}).json()
        client.post(
            "/v1/chat",
            json={"message": "what is the hidden state", "session_id": body["session_id"]},
        )
        fb = {
            "session_id": body["session_id"],
            "message_index": body["message_index"],
            "rating": "up",
            "comment": "clear <b>explanation</b>",
        }
        client.post("/v1/feedback", json=fb)
        client.post("/v1/chat", json={"message": "quiz me"})

        page = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        html = page.text
        counted = re.search(r"what is the hidden state</td><td>(\d+)</td>", html)
        assert counted and int(counted.group(1)) >= 2  # both phrasings counted as one question
        assert "clear &lt;b&gt;explanation&lt;/b&gt;" in html  # comments escaped
        assert body["session_id"][:12] in html and "<details>" in html
        assert "Exercise success by skill" in html

        export = client.get("/admin/export.csv", params={"token": TOKEN})
        assert export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.text)))
        mine = [r for r in rows if r["session_id"] == body["session_id"]]
        assert [r["role"] for r in mine] == ["user", "assistant", "user", "assistant"]
        assert mine[1]["rating"] == "up"


def test_export_neutralises_spreadsheet_formulas(real_parts):
    with TestClient(real_app(real_parts, admin_token=TOKEN)) as client:
        sid = client.post("/v1/chat", json={"message": '=HYPERLINK("http://evil","x")'}).json()[
            "session_id"
        ]
        client.post("/v1/chat", json={"message": "-0.5, 0.3", "session_id": sid})
        export = client.get("/admin/export.csv", headers={"Authorization": f"Bearer {TOKEN}"})
        rows = [r for r in csv.DictReader(io.StringIO(export.text)) if r["session_id"] == sid]
        learner = [r["content"] for r in rows if r["role"] == "user"]
        assert learner == ['\'=HYPERLINK("http://evil","x")', "'-0.5, 0.3"]
        # the stored history itself is unchanged
        history = client.get(f"/v1/sessions/{sid}/messages").json()["messages"]
        assert history[0]["content"].startswith("=HYPERLINK")


def test_export_keeps_identifiers_exact():
    from assistant.store.export import write_csv

    buffer = io.StringIO()
    row = {"session_id": "-AbC_12", "channel": "web", "seq": 0, "role": "user", "content": "+1"}
    assert write_csv([row], buffer) == 1
    (parsed,) = csv.DictReader(io.StringIO(buffer.getvalue()))
    assert parsed["session_id"] == "-AbC_12" and parsed["content"] == "'+1"
