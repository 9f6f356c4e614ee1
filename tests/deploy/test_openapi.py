"""The OpenAPI schema says what the API really answers (the outside probe's findings):
every error status with the one error body, the SSE and Prometheus content types, the
trace body's required ``inputs``; ``HEAD`` answers like ``GET`` without a body."""

from __future__ import annotations

import pytest

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


@pytest.fixture
def schema(fake_client):
    return fake_client.get("/openapi.json").json()


def _statuses(schema, path, method="post"):
    return set(schema["paths"][path][method]["responses"])


def test_every_error_status_is_documented_with_the_error_body(schema):
    assert {"400", "404", "413", "422", "429", "503"} <= _statuses(schema, "/v1/chat")
    assert {"400", "404", "413", "422", "429"} <= _statuses(schema, "/v1/chat/stream")
    assert {"400", "401", "413", "422", "429"} <= _statuses(schema, "/v1/chat/completions")
    assert {"400", "413", "422", "429"} <= _statuses(schema, "/v1/trace")
    assert {"404", "422"} <= _statuses(schema, "/v1/sessions/{session_id}/messages", "get")
    assert {"422", "429"} <= _statuses(schema, "/v1/search", "get")
    assert "503" in _statuses(schema, "/readyz", "get")
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    content = response["content"]["application/json"]["schema"]
                    assert content == ERROR_REF, (method, path, status)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    body = schema["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["error"]


def test_streams_and_metrics_name_their_content_types(schema):
    ok = schema["paths"]["/v1/chat/stream"]["post"]["responses"]["200"]["content"]
    assert list(ok) == ["text/event-stream"]
    ok = schema["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    assert set(ok) == {"application/json", "text/event-stream"}
    ok = schema["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert [t.split(";")[0] for t in ok] == ["text/plain"]


def test_the_trace_body_requires_inputs(schema):
    body = schema["paths"]["/v1/trace"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["required"] == ["inputs"]
    assert set(body["schema"]["properties"]["cell"]["enum"]) == {"rnn", "lstm", "gru"}


@pytest.mark.parametrize("path", ["/healthz", "/widget.js", "/", "/metrics"])
def test_head_answers_like_get_without_a_body(fake_client, path):
    got = fake_client.get(path)
    head = fake_client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if "content-length" in got.headers and path != "/metrics":  # metrics change per request
        assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers.get("x-content-type-options") == "nosniff"


def test_head_on_a_post_route_is_still_405(fake_client):
    assert fake_client.head("/v1/chat").status_code == 405
