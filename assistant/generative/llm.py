"""Language models for the reader: one `chat(messages)` for both backends.

`local`: a GGUF file run in-process by llama-cpp-python (by default the packaged reading
model that `assistant model install` put together), called directly: llama-index's
`LlamaCPP` wrapper added nothing the reader uses but the import of `llama_index.core`,
which took longer than loading the model (measured in docs/speed.md). `openai`: any
OpenAI-compatible server (llama.cpp's server, Ollama, vLLM, OpenAI) via llama-index's
`OpenAILike`. Nothing heavy is imported until a backend is chosen.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.generative.models import installed, recipe
from assistant.settings import ReaderSettings

log = logging.getLogger(__name__)


class LLMUnavailable(AssistantError):
    """The configured language model cannot be used (missing package or file, bad setting)."""


def local_model_path(settings: ReaderSettings) -> Path:
    """The GGUF file of the `local` backend: `llm_model_path`, else the installed `reader_model`."""
    if settings.llm_model_path is not None:
        if not Path(settings.llm_model_path).is_file():
            raise LLMUnavailable(f"No GGUF model at {settings.llm_model_path} (ASSISTANT_LLM_MODEL_PATH).")
        return Path(settings.llm_model_path)
    r = recipe(settings.reader_model)
    path = installed(r, settings.models_dir)
    if path is None:
        raise LLMUnavailable(f"The reading model {r.name} is not installed in {settings.models_dir}: run `assistant model install` (or `make chat`).")
    return path


class MessageRole(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


@dataclass(frozen=True)
class ChatMessage:
    """One message of a prompt (the fields of llama-index's `ChatMessage` the reader uses)."""

    role: MessageRole
    content: str


@dataclass(frozen=True)
class ChatResponse:
    message: ChatMessage


def _chatml(messages: Sequence[ChatMessage]) -> str:
    # Qwen2.5 (like most small instruct models) was tuned on ChatML; the prompt is laid
    # out here rather than from the template stored in the GGUF.
    parts = [f"<|im_start|>{m.role.value}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n"


class LocalLLM:
    """A GGUF model in this process (llama-cpp-python's `Llama`, kept as `llama`)."""

    def __init__(self, path: Path, settings: ReaderSettings) -> None:
        from llama_cpp import Llama

        self.settings = settings
        self.llama = Llama(
            model_path=str(path),
            n_ctx=settings.llm_context_tokens,
            n_threads=settings.llm_threads,
            n_threads_batch=settings.llm_threads,
            verbose=False,
        )

    def chat(self, messages: Sequence[ChatMessage]) -> ChatResponse:
        s = self.settings
        out = self.llama(_chatml(messages), max_tokens=s.llm_max_tokens, temperature=s.llm_temperature, stop=["<|im_end|>", "<|endoftext|>"])
        return ChatResponse(ChatMessage(MessageRole.ASSISTANT, out["choices"][0]["text"]))


class ServerLLM:
    """An OpenAI-compatible server through llama-index's `OpenAILike`."""

    def __init__(self, llm: Any) -> None:
        self._llm = llm

    def chat(self, messages: Sequence[ChatMessage]) -> ChatResponse:
        from llama_index.core.llms import ChatMessage as IndexMessage

        reply = self._llm.chat([IndexMessage(role=m.role.value, content=m.content) for m in messages])
        return ChatResponse(ChatMessage(MessageRole.ASSISTANT, reply.message.content or ""))


def make_llm(settings: ReaderSettings) -> LocalLLM | ServerLLM:
    """The language model of `settings.llm` (`openai` or `local`)."""
    if settings.llm == "openai":
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError as exc:
            raise LLMUnavailable("The openai backend needs llama-index-llms-openai-like: pip install -e . (it is a dependency).") from exc
        return ServerLLM(
            OpenAILike(
                model=settings.llm_model,
                api_base=settings.llm_url,
                api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed",
                is_chat_model=True,
                is_function_calling_model=False,
                context_window=settings.llm_context_tokens,
                max_tokens=settings.llm_max_tokens,
                temperature=settings.llm_temperature,
                timeout=settings.llm_timeout,
                max_retries=0,
            )
        )
    if settings.llm == "local":
        # llama.cpp's OpenMP threads spin while they wait by default; on two shared cores that
        # cut generation 10-40x whenever anything else ran. It is read when the library loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import llama_cpp  # noqa: F401
        except ImportError as exc:
            raise LLMUnavailable("The local backend needs the `local` extra: pip install -e '.[local]' (builds llama-cpp-python, about 8 minutes).") from exc
        llm = LocalLLM(local_model_path(settings), settings)
        from assistant.generative.reuse import attach_prompt_states

        attach_prompt_states(llm, settings)
        return llm
    raise LLMUnavailable(f"Unknown language-model backend {settings.llm!r}: use extractive, openai or local.")
