"""The offline brain: a deterministic LangChain chat model that tutors without any LLM.

It runs inside the same agent loop as any other chat model. Called with the learner's
message it recognises the intent (``assistant.intents``) and answers with tool calls
(``search_lesson``, ``rnn_trace``, ``memory_fade``, the quiz and flashcard tools) or, for
greetings, thanks and the like, with a reply straight away. Called again with the
``ToolMessage`` results it composes the final reply (``assistant.brains.replies``): cited
extractive answers, worked traces, the fade demonstration, exercise feedback. Session
state reaches it as the ``turn`` keyword (a ``TurnContext``), bound by the loop's
middleware because this model declares ``reads_turn_context``.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, ClassVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from assistant import prompts
from assistant.brains.explain import simpler_topic, wants_simpler
from assistant.brains.replies import compose_reply
from assistant.compute import clip_request, parameter_request, power_request
from assistant.intents import what_if_changes
from assistant.parsing import trace_request, wants_harder
from assistant.quiz_tools import DEFAULT_LEVEL

DIRECT_REPLIES = {
    "empty": prompts.NUDGE_EMPTY,
    "injection": prompts.INJECTION,
    "greeting": prompts.GREETING,
    "capabilities": prompts.CAPABILITIES,
    "thanks": prompts.THANKS,
    "off_topic": prompts.OFF_TOPIC,
    "more": prompts.MORE_NO_TOPIC,  # "tell me more" before any question
}
# question types answered from the teaching notes (the rest: lesson passages, the lab)
NOTE_TYPES = frozenset(
    {"definition", "why", "how", "example", "simpler", "compare", "recommendation", "context",
     "not_covered", "what-if"}
)  # fmt: skip
# "show me the lstm equations": the lesson's Going-deeper passages answer (prefer_core)
MATH_REQUEST = re.compile(
    r"(?<!no )(?<!without )(?<!without the )\b(?:math|maths|formulas?|equations?|derivations?|"
    r"derive|in symbols|notation)\b",
    re.I,
)
WHY_FORGET_QUERY = "why memory fades over long sequences: vanishing gradients"
_ids = itertools.count(1)


def _call(name: str, **args: Any) -> dict[str, Any]:
    return {"name": name, "args": args, "id": f"offline-{next(_ids)}", "type": "tool_call"}


def plan(
    intent: str,
    text: str,
    state: dict[str, Any],
    rating: str | None = None,
    reader: Any = None,
) -> list[dict[str, Any]]:
    """The tool calls that serve ``intent`` (empty: answer directly)."""
    exercise = state.get("exercise") or {}
    clip = clip_request(text) if intent in ("concept", "compute") else None
    if clip is not None:
        return [_call("clip_gradient", **clip)]
    if (
        intent in ("capabilities", "off_topic", "empty")
        and reader is not None
        and (reader.named_beyond(text) or reader.named_concepts(text))
    ):
        # it names a concept of an indexed lesson ("whats a binary digit"), or a topic next
        # to one ("what is teacher forcing?"): a real question about the subject
        intent = "concept"
    if intent == "concept" and reader is not None and not MATH_REQUEST.search(text):
        # the question's type and concepts choose the teaching notes that answer it
        understood = reader.read(text)
        if understood.type == "what-if" and what_if_changes(text):  # the lab can run it
            return [_call("rnn_trace", **trace_request(text, state.get("trace")).args)]
        if understood.type in NOTE_TYPES and (
            understood.concepts or understood.type == "not_covered"
        ):
            return [
                _call("teaching_notes", question=text, kind=understood.type,
                      concepts=list(understood.concepts[:2])),
                _call("search_lesson", query=text, k=6),
            ]  # fmt: skip
    if intent in ("concept", "more") and wants_simpler(text):
        topic = simpler_topic(text, state)  # "explain that more simply": the last topic
        return [_call("search_lesson", query=topic, k=6)] if topic else []
    if intent == "concept":
        return [_call("search_lesson", query=text, k=6)]
    if intent == "more" and state.get("topic"):
        return [_call("search_lesson", query=state["topic"], k=8)]
    if intent == "why_forget":
        return [
            _call("search_lesson", query=f"{text} {WHY_FORGET_QUERY}", k=3),
            _call("memory_fade"),
        ]
    power = power_request(text) if intent == "compute" else None
    if power and parameter_request(text) is None:
        return [_call("repeated_factor", **power)]
    if intent == "compute":
        args = parameter_request(text) or {}
        keep = ("cell", "input_size", "hidden_size", "num_layers", "bidirectional", "one_bias")
        return [_call("parameter_count", **{k: args[k] for k in keep if k in args})]
    if intent == "trace":
        # a follow-up ("now an lstm", "same with 0.9") keeps the last trace's settings
        return [_call("rnn_trace", **trace_request(text, state.get("trace")).args)]
    if intent in ("quiz", "next"):
        # the level asked for, else the current exercise's, else the course's practice
        current = exercise.get("level")
        level = wants_harder(text, current) or current or DEFAULT_LEVEL
        return [_call("new_exercise", level=level)]
    if intent == "answer":
        return [_call("check_exercise_answer", answer=text)]
    if intent == "hint":
        return [_call("exercise_hint")]
    if intent == "give_up":
        return [_call("give_up_exercise")]
    if intent == "flashcards":
        return [_call("review_flashcards", action="start")]
    if intent == "flip":
        return [_call("review_flashcards", action="flip")]
    if intent == "rate":
        return [_call("review_flashcards", action=rating or "good")]
    if intent == "progress":
        return [_call("learner_progress")]
    return []


class OfflineBrain(BaseChatModel):
    """Intent recognition + extractive composition, speaking LangChain's chat-model protocol."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    reads_turn_context: ClassVar[bool] = True

    recognizer: Any  # assistant.intents.IntentRecognizer
    composer: Any  # assistant.compose.Composer
    reader: Any = None  # assistant.understand.QuestionReader (None: lesson passages only)

    @property
    def _llm_type(self) -> str:
        return "rnn-tutor-offline"

    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kwargs: Any) -> Any:
        """The tools are fixed by design; keep only the per-turn keywords."""
        return self.bind(**kwargs) if kwargs else self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        turn: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        start = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
        current = messages[start + 1 :]
        text = str(messages[start].content) if start >= 0 else ""
        state = turn.state if turn is not None else {}
        results = [m for m in current if isinstance(m, ToolMessage)]
        if not current:
            intent = self.recognizer.classify(text, state)
            if turn is not None:
                turn.intent = intent.name
            calls = plan(intent.name, text, state, intent.rating, self.reader)
            if calls:
                message = AIMessage(content="", tool_calls=calls)
            else:
                name = "more" if wants_simpler(text) else intent.name
                message = AIMessage(content=DIRECT_REPLIES.get(name, prompts.NUDGE_EMPTY))
        else:
            reply, citations = compose_reply(self.composer, text, results, turn)
            message = AIMessage(content=reply, additional_kwargs={"citations": citations})
        return ChatResult(generations=[ChatGeneration(message=message)])
