"""Language models for the reader, through llama-index's LLM integrations.

`local`: a GGUF file run in-process by llama-cpp-python via `LlamaCPP` (by default the
packaged reading model that `assistant model install` put together). `openai`: any
OpenAI-compatible server (llama.cpp's server, Ollama, vLLM, OpenAI) via `OpenAILike`.
Nothing here is imported until a backend is chosen.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.generative.models import installed, recipe
from assistant.settings import Settings

log = logging.getLogger(__name__)


class LLMUnavailable(AssistantError):
    """The configured language model cannot be used (missing package or file, bad setting)."""


def local_model_path(settings: Settings) -> Path:
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


def _chatml(messages: Any) -> str:
    # Qwen2.5 (like most small instruct models) was tuned on ChatML; LlamaCPP does not
    # read the template stored in the GGUF, so the prompt is laid out here.
    parts = [f"<|im_start|>{m.role.value}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n"


def make_llm(settings: Settings):
    """The llama-index LLM for `settings.llm` (`openai` or `local`)."""
    if settings.llm == "openai":
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError as exc:
            raise LLMUnavailable("The openai backend needs llama-index-llms-openai-like: pip install -e . (it is a dependency).") from exc
        return OpenAILike(
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
    if settings.llm == "local":
        # llama.cpp's OpenMP threads spin while they wait by default; on two shared cores that
        # cut generation 10-40x whenever anything else ran. It is read when the library loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from llama_index.llms.llama_cpp import LlamaCPP
        except ImportError as exc:
            raise LLMUnavailable("The local backend needs the `local` extra: pip install -e '.[local]' (builds llama-cpp-python, about 8 minutes).") from exc
        path = local_model_path(settings)
        llm = LlamaCPP(
            model_path=str(path),
            temperature=settings.llm_temperature,
            max_new_tokens=settings.llm_max_tokens,
            context_window=settings.llm_context_tokens,
            messages_to_prompt=_chatml,
            completion_to_prompt=lambda c: c,
            generate_kwargs={"stop": ["<|im_end|>", "<|endoftext|>"]},
            model_kwargs={"n_threads": settings.llm_threads, "n_threads_batch": settings.llm_threads, "verbose": False},
            verbose=False,
        )
        from assistant.generative.reuse import attach_prompt_states

        attach_prompt_states(llm, settings)
        return llm
    raise LLMUnavailable(f"Unknown language-model backend {settings.llm!r}: use extractive, openai or local.")
