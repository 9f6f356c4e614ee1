"""The one agent loop both brains run in: ``langchain.agents.create_agent`` over the tools.

The graph is compiled once per ``Tutor`` and serves every session: per-turn state
travels as LangGraph runtime context (a ``TurnContext``). One middleware hook adds the
session status note after the system prompt (so an LLM knows whether an exercise is open
and whether its answer may be discussed) and, for a model that declares
``reads_turn_context`` (the offline brain), binds the context as the ``turn`` keyword.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import ModelRequest, ModelResponse, wrap_model_call
from langchain_core.messages import SystemMessage
from langchain_core.tools import BaseTool

from assistant import prompts
from assistant.state import TurnContext

MAX_MODEL_CALLS = 8  # one turn never loops longer than this (LangGraph recursion limit below)
RECURSION_LIMIT = 2 * MAX_MODEL_CALLS + 1


@wrap_model_call
def session_context(
    request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]
) -> ModelResponse:
    """Tell the model about the session: a status note for LLMs, the context for offline."""
    ctx: TurnContext | None = request.runtime.context if request.runtime else None
    if ctx is None:
        return handler(request)
    if getattr(request.model, "reads_turn_context", False):
        return handler(request.override(model_settings={**request.model_settings, "turn": ctx}))
    base = request.system_message.content if request.system_message else prompts.SYSTEM_PROMPT
    note = prompts.session_note(ctx.exercise)
    return handler(request.override(system_message=SystemMessage(content=f"{base}\n\n{note}")))


def build_agent(model: Any, tools: list[BaseTool]) -> Any:
    """The compiled agent graph: ``model`` calls ``tools`` until it writes a reply."""
    # ToolRuntime carries our dataclass context; pydantic warns that it cannot serialise it
    # although nothing is serialised. Silence exactly that warning, nothing else.
    warnings.filterwarnings("ignore", message=r"Pydantic serializer warnings", category=UserWarning)
    return create_agent(
        model,
        tools,
        system_prompt=prompts.SYSTEM_PROMPT,
        middleware=[session_context],
        context_schema=TurnContext,
        name="rnn_tutor",
    )
