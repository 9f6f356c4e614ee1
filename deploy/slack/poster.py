"""Sending a rendered reply to Slack: chat.postMessage in the thread, plots as files.

Plots are uploaded with files_upload_v2 into the same thread, as PNG (Slack does not
show SVG inline; the PNG is drawn in a worker thread), or as SVG when a plot has no PNG
or drawing it failed. A workspace may not grant ``files:write`` (or an admin may forbid
uploads); then the upload is skipped with a log line and the text reply still stands. A ``/rnn`` command is first posted as
a short header message whose thread carries the answer; where the bot has not joined
the channel, the answer goes through the command's ``response_url`` (``respond()``).
A refused button click is answered with a message only the clicker sees (ephemeral).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from assistant.types import Plot

log = logging.getLogger(__name__)

UPLOAD_REFUSED = {
    "missing_scope",
    "not_allowed",
    "not_allowed_token_type",
    "no_permission",
    "restricted_action",
    "ekm_access_denied",
}
NOT_A_MEMBER = {"not_in_channel", "channel_not_found"}


def _filename(title: str, ext: str = "svg") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
    return f"{slug or 'plot'}.{ext}"


async def plot_file(plot: Plot) -> tuple[str, bytes]:
    """(filename, content) to upload: the PNG when the plot can draw one, else the SVG."""
    if plot.png is not None:
        try:
            return _filename(plot.title, "png"), await asyncio.to_thread(plot.png)
        except Exception:  # a picture is not worth losing the plot: send the SVG
            log.exception("slack: PNG of plot %r failed; uploading the SVG", plot.title)
    return _filename(plot.title), plot.svg.encode("utf-8")


async def upload_plot(
    client: AsyncWebClient, channel: str, thread_ts: str | None, plot: Plot
) -> bool:
    """Upload one plot into the thread; False (and a log line) when the token may not upload."""
    filename, content = await plot_file(plot)
    try:
        await client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            content=content,
            filename=filename,
            title=plot.title,
        )
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        if error in UPLOAD_REFUSED:
            log.info(
                "slack: plot %r not uploaded (%s); add files:write to upload", plot.title, error
            )
            return False
        raise
    return True


async def post_reply(
    client: AsyncWebClient,
    channel: str,
    thread_ts: str | None,
    payload: dict[str, Any],
    plots: list[Plot] = (),  # type: ignore[assignment]
    respond: Callable[..., Awaitable[Any]] | None = None,
) -> None:
    """Post ``payload`` (``text`` + ``blocks``) in the thread, then upload the plots."""
    try:
        await client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, unfurl_links=False, **payload
        )
    except SlackApiError as exc:
        if respond is None or exc.response.get("error") not in NOT_A_MEMBER:
            raise
        log.info("slack: not in channel %s, answering through response_url", channel)
        await respond(response_type="in_channel", **payload)
        return  # files cannot be uploaded where the bot is not a member
    for plot in plots:
        await upload_plot(client, channel, thread_ts, plot)


async def post_command_header(client: AsyncWebClient, channel: str, text: str) -> str | None:
    """Post who ran which ``/rnn`` command; its ``ts`` starts the answer's thread.

    None when the bot is not a member of the channel (the caller then uses response_url).
    """
    block = {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
    try:
        resp = await client.chat_postMessage(channel=channel, text=text, blocks=[block])
    except SlackApiError as exc:
        if exc.response.get("error") in NOT_A_MEMBER:
            return None
        raise
    return resp.get("ts")


async def post_private(
    client: AsyncWebClient,
    body: dict[str, Any],
    respond: Callable[..., Awaitable[Any]],
    payload: dict[str, Any],
) -> None:
    """Show ``payload`` only to the user who clicked: through the click's response_url
    (``response_type: ephemeral``, the message itself left alone), or chat.postEphemeral."""
    if body.get("response_url"):
        await respond(response_type="ephemeral", replace_original=False, **payload)
        return
    message = body.get("message") or {}
    container = body.get("container") or {}
    await client.chat_postEphemeral(
        channel=(body.get("channel") or {}).get("id") or container.get("channel_id"),
        user=(body.get("user") or {}).get("id"),
        thread_ts=message.get("thread_ts"),
        **payload,
    )
