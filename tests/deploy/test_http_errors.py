"""Every kind of bad input gets a JSON 4xx with a fix-it message, never a 500 or a trace."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert "Traceback" not in response.text
    return body["error"]["message"]


def test_malformed_json_is_400(fake_client):
    r = fake_client.post(
        "/v1/chat", content=b'{"message": "hi",', headers={"Content-Type": "application/json"}
    )
    assert "not valid JSON" in _error(r, 400, "malformed_json")


def test_undecodable_body_is_400_with_a_fix(fake_client):
    headers = {"Content-Type": "application/json"}
    for raw in (b'{"message": "caf\xe9"}', b"[" * 20_000 + b"]" * 20_000):
        msg = _error(
            fake_client.post("/v1/chat", content=raw, headers=headers), 400, "malformed_json"
        )
        assert "UTF-8 JSON object" in msg


def test_json_sent_as_text_names_the_content_type(fake_client):
    r = fake_client.post(
        "/v1/chat", content=b'{"message": "hi"}', headers={"Content-Type": "text/plain"}
    )
    assert "Content-Type: application/json" in _error(r, 422, "invalid_input")


def test_wrong_types_and_missing_fields_are_422(fake_client):
    msg = _error(fake_client.post("/v1/chat", json={"message": 42}), 422, "invalid_input")
    assert "'message'" in msg
    msg = _error(fake_client.post("/v1/chat", json={}), 422, "invalid_input")
    assert "'message' is required" in msg
    _error(fake_client.post("/v1/chat", json=["not", "an", "object"]), 422, "invalid_input")
    _error(fake_client.post("/v1/chat", json={"message": ""}), 422, "invalid_input")


def test_message_over_4000_chars_is_422(fake_client):
    msg = _error(fake_client.post("/v1/chat", json={"message": "a" * 4001}), 422, "limit_exceeded")
    assert "4000" in msg
    assert fake_client.post("/v1/chat", json={"message": "a" * 4000}).status_code == 200


def test_too_long_non_message_fields_are_not_told_to_split(fake_client):
    r = fake_client.get("/v1/search", params={"q": "a" * 1001})
    msg = _error(r, 422, "limit_exceeded")
    assert "'q'" in msg and "shorten it" in msg and "several messages" not in msg


def test_body_over_64kb_is_413(fake_client):
    big = {"message": "hi", "padding": "x" * 70_000}
    msg = _error(fake_client.post("/v1/chat", json=big), 413, "request_too_large")
    assert "64 KB" in msg

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(20):
            yield b"x" * 8192

    r = fake_client.post(
        "/v1/trace", content=chunks(), headers={"Content-Type": "application/json"}
    )
    _error(r, 413, "request_too_large")


def test_unknown_session_is_404_everywhere(fake_client):
    sid = "no-such-session"
    _error(
        fake_client.post("/v1/chat", json={"message": "hi", "session_id": sid}),
        404,
        "session_not_found",
    )
    _error(
        fake_client.post("/v1/chat/stream", json={"message": "hi", "session_id": sid}),
        404,
        "session_not_found",
    )
    _error(fake_client.get(f"/v1/sessions/{sid}/messages"), 404, "session_not_found")
    body = {"session_id": sid, "message_index": 1, "rating": "up"}
    _error(fake_client.post("/v1/feedback", json=body), 404, "session_not_found")


def test_feedback_index_too_large_for_the_database_is_422(fake_client):
    body = {"session_id": "s", "message_index": 10**23, "rating": "up"}
    msg = _error(fake_client.post("/v1/feedback", json=body), 422, "invalid_input")
    assert "'message_index'" in msg


def test_trace_limits_name_the_argument(fake_client):
    msg = _error(
        fake_client.post("/v1/trace", json={"inputs": [1.0] * 2001}), 422, "limit_exceeded"
    )
    assert "inputs" in msg
    msg = _error(
        fake_client.post("/v1/trace", json={"inputs": [1], "hidden_size": 10_000}),
        422,
        "limit_exceeded",
    )
    assert "hidden_size" in msg
    _error(
        fake_client.post("/v1/trace", json={"cell": "transformer", "inputs": [1]}),
        422,
        "invalid_input",
    )
    _error(fake_client.post("/v1/trace", json=[1, 2]), 422, "invalid_input")


def test_search_parameters_are_checked(fake_client):
    _error(fake_client.get("/v1/search"), 422, "invalid_input")
    _error(fake_client.get("/v1/search", params={"q": "x", "k": 0}), 422, "invalid_input")
    _error(fake_client.get("/v1/search", params={"q": "x", "mode": "magic"}), 422, "invalid_input")


def test_unknown_route_and_method_are_json(fake_client):
    assert "/docs" in _error(fake_client.get("/v1/nothing"), 404, "not_found")
    _error(fake_client.get("/v1/chat"), 405, "method_not_allowed")


def test_unexpected_failure_is_a_clean_500(fake_client, fake_tutor):
    fake_tutor.explode = True
    r = fake_client.post("/v1/chat", json={"message": "hi"})
    msg = _error(r, 500, "internal_error")
    assert "secret internal detail" not in r.text and "try again" in msg


def test_bad_requests_leave_sessions_intact(fake_client):
    sid = fake_client.post("/v1/chat", json={"message": "first"}).json()["session_id"]
    before = fake_client.get(f"/v1/sessions/{sid}/messages").json()["messages"]
    fake_client.post("/v1/chat", json={"message": "a" * 5000, "session_id": sid})
    fake_client.post("/v1/chat", content=b"{oops", headers={"Content-Type": "application/json"})
    fake_client.post("/v1/chat", json={"message": "x", "session_id": sid, "pad": "y" * 70_000})
    fake_client.post("/v1/feedback", json={"session_id": sid, "message_index": 0, "rating": "meh"})
    after = fake_client.get(f"/v1/sessions/{sid}/messages").json()["messages"]
    assert after == before and len(after) == 2
    r = fake_client.post("/v1/chat", json={"message": "second", "session_id": sid})
    assert r.status_code == 200 and r.json()["session_id"] == sid


def test_errors_count_in_metrics(fake_client):
    fake_client.post("/v1/chat", json={"message": "a" * 4001})
    fake_client.get("/v1/sessions/nope/messages")
    text = fake_client.get("/metrics").text
    assert 'tutor_errors_total{code="limit_exceeded"} 1.0' in text
    assert 'tutor_errors_total{code="session_not_found"} 1.0' in text


def test_not_ready_is_503(fake_app_factory):
    app = fake_app_factory()
    with TestClient(app, raise_server_exceptions=False) as client:
        app.state.services.ready = False
        _error(client.get("/readyz"), 503, "index_not_ready")
        _error(client.post("/v1/chat", json={"message": "hi"}), 503, "index_not_ready")
        assert client.get("/healthz").status_code == 200


def test_readyz_is_503_when_the_database_is_down(tmp_path, fake_tutor):
    from deploy.app import create_app
    from tests.deploy.conftest import make_settings
    from tests.deploy.http_fakes import FakeRetriever

    class DownStore:
        def ping(self) -> bool:
            return False

    app = create_app(
        make_settings(tmp_path), tutor=fake_tutor, retriever=FakeRetriever(), sessions=DownStore()
    )
    with TestClient(app) as client:
        assert "TUTOR_DATABASE_URL" in _error(client.get("/readyz"), 503, "database_unavailable")


def test_docs_and_admin_keep_their_policies_behind_a_root_path(fake_app_factory):
    """Behind a proxy prefix (``--root-path /tutor``) the request path is /tutor/docs; the
    docs page must still get the policy that lets Swagger UI start, from /tutor/docs/assets."""
    with TestClient(
        fake_app_factory(), root_path="/tutor", raise_server_exceptions=False
    ) as client:
        docs = client.get("/tutor/docs")
        assert docs.status_code == 200
        assert "script-src 'self' 'unsafe-inline'" in docs.headers["content-security-policy"]
        assert '"/tutor/docs/assets/swagger-ui-bundle.js"' in docs.text
        assert "'/tutor/openapi.json'" in docs.text or '"/tutor/openapi.json"' in docs.text
        assert client.get("/tutor/docs/assets/swagger-ui-bundle.js").status_code == 200
        assert docs.headers["x-frame-options"] == "DENY"  # agrees with frame-ancestors 'none'
        assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
        page = client.get("/tutor/")
        assert (
            "'unsafe-inline'"
            not in page.headers["content-security-policy"].split("script-src")[1].split(";")[0]
        )
