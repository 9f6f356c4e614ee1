"""The LLM brain: any LangChain chat model named by an ``init_chat_model`` string.

``TUTOR_MODEL`` is ``provider:model`` (``openai:gpt-4.1-mini``, ``anthropic:claude-...``,
``ollama:qwen3``); with ``TUTOR_MODEL_BASE_URL`` a bare model name means an
OpenAI-compatible server (llama.cpp, vLLM, a company proxy). Everything that can go
wrong is found here, at start-up: an unknown provider, a provider package that is not
installed (the error names the extra to install), a server that does not answer.
"""

from __future__ import annotations

from typing import Any

from core.errors import ConfigError, ModelUnavailable
from core.settings import Settings

# provider -> (python package, pip extra of this project)
PROVIDERS: dict[str, tuple[str, str]] = {
    "openai": ("langchain_openai", "openai"),
    "anthropic": ("langchain_anthropic", "anthropic"),
    "ollama": ("langchain_ollama", "ollama"),
}
REACH_TIMEOUT_S = 3.0


def split_model(settings: Settings) -> tuple[str, str]:
    """(provider, model name) from ``TUTOR_MODEL``; a bare name with a base URL is OpenAI-compatible."""
    raw = settings.model.strip()
    provider, sep, name = raw.partition(":")
    if not sep:
        if settings.model_base_url:
            return "openai", raw
        raise ConfigError(
            f"TUTOR_MODEL={raw!r} names no provider. Use 'offline' or 'provider:model' with "
            f"provider one of {', '.join(sorted(PROVIDERS))} (e.g. 'openai:gpt-4.1-mini'), "
            "or set TUTOR_MODEL_BASE_URL for an OpenAI-compatible server."
        )
    if not name:
        raise ConfigError(f"TUTOR_MODEL={raw!r} has no model name after '{provider}:'.")
    return provider.lower(), name


def check_reachable(base_url: str) -> None:
    """Raise ``ModelUnavailable`` unless something answers HTTP at ``base_url``."""
    import httpx

    url = base_url.rstrip("/") + "/models"
    try:
        httpx.get(url, timeout=REACH_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise ModelUnavailable(
            f"The model server at {base_url} does not answer ({type(exc).__name__}). Start it, "
            "fix TUTOR_MODEL_BASE_URL, or set TUTOR_MODEL=offline."
        ) from None


def make_llm(settings: Settings, check: bool = True) -> Any:
    """The chat model for ``settings.model`` (not 'offline'), checked at construction."""
    from langchain.chat_models import init_chat_model

    provider, name = split_model(settings)
    package, extra = PROVIDERS.get(provider, (f"langchain_{provider}", provider))
    kwargs: dict[str, Any] = {}
    if settings.model_base_url:
        kwargs["base_url"] = settings.model_base_url
    key = settings.model_api_key.get_secret_value()
    if key:
        kwargs["api_key"] = key
    elif settings.model_base_url and provider == "openai":
        kwargs["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore it
    try:
        model = init_chat_model(name, model_provider=provider, **kwargs)
    except ImportError:
        install = (
            f"pip install -e '.[{extra}]'"
            if provider in PROVIDERS
            else f"pip install {package.replace('_', '-')}"
        )
        raise ConfigError(
            f"TUTOR_MODEL={settings.model!r} needs the {package.replace('_', '-')} package, "
            f"which is not installed. Run: {install} (or set TUTOR_MODEL=offline)."
        ) from None
    except ValueError as exc:
        raise ConfigError(
            f"TUTOR_MODEL={settings.model!r} cannot be loaded: {exc}. Known providers here: "
            f"{', '.join(sorted(PROVIDERS))}; or set TUTOR_MODEL=offline."
        ) from None
    except Exception as exc:  # provider constructors validate keys and options
        raise ModelUnavailable(
            f"TUTOR_MODEL={settings.model!r} could not be set up ({type(exc).__name__}: {exc}). "
            "Check TUTOR_MODEL_API_KEY and TUTOR_MODEL_BASE_URL, or set TUTOR_MODEL=offline."
        ) from None
    if check and settings.model_base_url:
        check_reachable(settings.model_base_url)
    return model
