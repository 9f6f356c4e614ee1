"""``/widget.js`` as a CDN, a proxy or a link checker asks for it: GET and HEAD."""

from __future__ import annotations


def test_head_widget_js_answers_like_get(fake_client):
    get = fake_client.get("/widget.js")
    head = fake_client.head("/widget.js")
    assert get.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["cache-control"] == "public, max-age=300"
