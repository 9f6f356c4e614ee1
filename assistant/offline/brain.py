"""The offline brain: a deterministic LangChain chat model that tutors without any LLM.

It runs inside the same agent loop as any other chat model. Called with the learner's
message it recognises the intent (``assistant.offline.intents``) and answers with tool calls
(``search_lesson``, ``rnn_trace``, ``memory_fade``, the quiz and flashcard tools) or, for
greetings, thanks and the like, with a reply straight away. Called again with the
``ToolMessage`` results it composes the final reply (``assistant.offline.replies``): cited
extractive answers, worked traces, the fade demonstration, exercise feedback. Session
state reaches it as the ``turn`` keyword (a ``TurnContext``), bound by the loop's
middleware because this model declares ``reads_turn_context``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from assistant import prompts
from assistant.offline.explain import wants_simpler
from assistant.offline.planner import plan_turn
from assistant.offline.replies import compose_reply

DIRECT_REPLIES = {
    "empty": prompts.NUDGE_EMPTY,
    "injection": prompts.INJECTION,
    "greeting": prompts.GREETING,
    "capabilities": prompts.CAPABILITIES,
    "thanks": prompts.THANKS,
    "off_topic": prompts.OFF_TOPIC,
    "more": prompts.MORE_NO_TOPIC,  # "tell me more" before any question
}


# intents the planner finds that the recogniser cannot (they depend on the open question)
LISTENING = frozenset({"assess", "concept_quiz", "follow_up", "progress"})


class OfflineBrain(BaseChatModel):
    """Intent recognition + extractive composition, speaking LangChain's chat-model protocol."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    reads_turn_context: ClassVar[bool] = True

    recognizer: Any  # assistant.offline.intents.IntentRecognizer
    composer: Any  # assistant.offline.compose.Composer
    reader: Any = None  # assistant.offline.understand.QuestionReader (None: lesson passages only)
    listener: Any = None  # assistant.listening.tools.Listener (None: check questions not held)

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
            planned, calls = plan_turn(intent.name, text, state, intent.rating, self.reader)
            if turn is not None:
                turn.intent = planned if planned in LISTENING else intent.name
            if calls:
                message = AIMessage(content="", tool_calls=calls)
            else:
                name = "more" if wants_simpler(text) else intent.name
                message = AIMessage(content=DIRECT_REPLIES.get(name, prompts.NUDGE_EMPTY))
        else:
            reply, citations = compose_reply(self.composer, text, results, turn, self.listener)
            message = AIMessage(content=reply, additional_kwargs={"citations": citations})
        return ChatResult(generations=[ChatGeneration(message=message)])
