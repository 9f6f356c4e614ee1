"""The slash commands the tutor registers with Discord (``tutor discord register``).

Global chat-input commands (type 1): ``/ask question``, ``/trace [spec]``, ``/quiz``,
``/hint``. String options are type 3. They work in servers and in DMs with the bot.
"""

from __future__ import annotations

from typing import Any

from core.limits import MAX_MESSAGE_CHARS

STRING = 3

COMMANDS: list[dict[str, Any]] = [
    {
        "name": "ask",
        "type": 1,
        "description": "Ask about the lesson 'Why sequences need memory'",
        "options": [
            {
                "type": STRING,
                "name": "question",
                "description": "e.g. why do RNNs forget?",
                "required": True,
                "max_length": MAX_MESSAGE_CHARS,
            }
        ],
    },
    {
        "name": "trace",
        "type": 1,
        "description": "Step through a small RNN, one time step at a time",
        "options": [
            {
                "type": STRING,
                "name": "spec",
                "description": "e.g. inputs 1, 0, 0, input weight 0.5, recurrent weight 0.8",
                "required": False,
                "max_length": MAX_MESSAGE_CHARS,
            }
        ],
    },
    {"name": "quiz", "type": 1, "description": "A hand-traceable exercise, with hints"},
    {"name": "hint", "type": 1, "description": "A hint for the exercise you are working on"},
]
