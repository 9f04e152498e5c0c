"""Following sources: fetch-and-ingest throughput, time from a feed update to the article
being answerable while the chat serves, and the cost of fetching unchanged sources again.

A local mirror (a real HTTP server on 127.0.0.1) serves the first N articles of the
RealTimeQA 2023-Q1 corpus rendered as news pages (head metadata, navigation, article,
footer; ETag and Last-Modified on every page), listed by news sitemaps under a sitemap index.

1. "saved files" (the way articles reached the index before): the same pages written to a
   folder and ingested with `Assistant.ingest`; "followed": `Follower.run()` over the
   sitemap index into a fresh index. Pages per second, and the share of time in fetching,
   extracting (trafilatura) and embedding.
2. A second run over the unchanged mirror: requests, bytes, 304s, passages embedded.
3. `assistant serve --follow --every MINUTES` on the followed index: a new article is put in
   a news sitemap at a random moment; the time until `GET /api/new` lists it and
   `POST /api/answer` cites it (target: one interval plus 30 s).

    python benchmarks/follow_speed.py                      # 500 pages, 1-minute interval, 2 updates
    python benchmarks/follow_speed.py --articles 100 --every 0.5 --updates 1   # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# ../shared beside the checkout (a worktree one level deeper finds it a level up).
DATA = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared") / "benchmarks" / "rtqa-2023q1"
SITEMAP_SIZE = 100


def cpu_model() -> str:
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    return next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "unknown")


def load_articles(n: int) -> list[dict]:
    with gzip.open(DATA / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    rows.sort(key=lambda r: (r.get("published_at") or "", r["id"]))
    return rows[: n + 10]  # the extra ones arrive during the serving test


def page_of(row: dict, url: str) -> str:
    from harness.follow_site import article_html

    paragraphs = [p.strip() for p in row["text"].split("\n") if p.strip()]
    return article_html(row.get("title") or row["id"], paragraphs, date=row.get("published_at") or "2023-01-01", outlet=row.get("source") or "", url=url)


class Mirror:
    """The served pages and their sitemaps."""

    def __init__(self, site, rows: list[dict]) -> None:
        from harness.follow_site import news_sitemap, sitemap_index

        self.site, self.news_sitemap, self.sitemap_index = site, news_sitemap, sitemap_index
        self.listed: list[list[tuple[str, str, str]]] = []
        site.route("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        for row in rows:
            self.publish(row, list_it=False)

    def publish(self, row: dict, list_it: bool = True) -> str:
        path = f"/a/{row['id']}.html"
        body = page_of(row, self.site.url(path))
        self.site.route(path, body, etag=f'"{hashlib.sha1(body.encode()).hexdigest()[:16]}"', last_modified="Mon, 02 Jan 2023 08:00:00 GMT")
        if list_it:
            self.list_pages([row])
        return path

    def list_pages(self, rows: list[dict]) -> None:
        for row in rows:
            entry = (self.site.url(f"/a/{row['id']}.html"), row.get("title") or row["id"], (row.get("published_at") or "2023-01-01") + "T08:00:00Z")
            if not self.listed or len(self.listed[-1]) >= SITEMAP_SIZE:
                self.listed.append([])
            self.listed[-1].insert(0, entry)
        for i, entries in enumerate(self.listed):
            body = self.news_sitemap(entries)
            self.site.route(f"/news-{i}.xml", body, content_type="application/xml", etag=f'"{hashlib.sha1(body.encode()).hexdigest()[:16]}"')
        index = self.sitemap_index([f"/news-{i}.xml" for i in range(len(self.listed))])
        self.site.route("/sitemap.xml", index, content_type="application/xml", etag=f'"{hashlib.sha1(index.encode()).hexdigest()[:16]}"')


class Timed:
    """Wraps a function and adds up the seconds spent in it."""

    def __init__(self, fn) -> None:
        self.fn, self.seconds, self.calls = fn, 0.0, 0

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


def instrumented(bot) -> tuple[Timed, Timed]:
    """Time trafilatura's extraction (every HTML article is read through `read_page`) and the embedding."""
    import assistant.webpage as webpage

    extract = Timed(webpage.read_page)
    webpage.read_page = extract
    embed = Timed(bot.embedder.embed)
    bot.embedder.embed = embed
    return extract, embed


def saved_files(rows: list[dict], mirror_url, work: Path) -> dict:
    """The baseline: the same pages as files, ingested."""
    from assistant import Assistant

    folder = work / "saved" / "pages"
    folder.mkdir(parents=True)
    for row in rows:
        (folder / f"{row['id']}.html").write_text(page_of(row, mirror_url(f"/a/{row['id']}.html")), encoding="utf-8")
    bot = Assistant(index_dir=work / "saved" / "index", corpus_dir=work / "saved", llm="extractive")
    bot.embedder.embed(["warm up"])
    extract, embed = instrumented(bot)
    started = time.perf_counter()
    report = bot.ingest([folder], progress=False)
    seconds = time.perf_counter() - started
    _restore(extract)
    return {
        "pages": len(rows),
        "articles": len(report.added),
        "chunks_embedded": report.chunks_embedded,
        "seconds": round(seconds, 1),
        "pages_per_second": round(len(rows) / seconds, 2),
        "share": {"fetch": 0.0, "extract": round(extract.seconds / seconds, 3), "embed": round(embed.seconds / seconds, 3)},
    }


def _restore(extract: Timed) -> None:
    import assistant.webpage as webpage

    webpage.read_page = extract.fn


def followed(rows: list[dict], site, work: Path) -> tuple[dict, dict]:
    """The new way: follow the sitemap index; then fetch the unchanged mirror again."""
    from assistant import Assistant
    from assistant.follow.follower import Follower

    corpus = work / "followed" / "corpus"
    corpus.mkdir(parents=True)
    bot = Assistant(index_dir=work / "followed" / "index", corpus_dir=corpus, llm="extractive", follow_host_delay_seconds=0.0, follow_max_items=len(rows) + 100)
    bot.embedder.embed(["warm up"])
    extract, embed = instrumented(bot)
    follower = Follower(bot)
    follower.add(site.url("/sitemap.xml"))
    started = time.perf_counter()
    first = follower.run()
    seconds = time.perf_counter() - started
    new = sum(len(s.new) for s in first.sources)
    first_out = {
        "pages": len(rows),
        "articles": new,
        "errors": len(first.errors),
        "requests": first.requests,
        "mb": round(first.bytes / 1e6, 2),
        "chunks_embedded": first.chunks_embedded,
        "seconds": round(seconds, 1),
        "pages_per_second": round(len(rows) / seconds, 2),
        "share": {
            "fetch": round(first.seconds_fetch / seconds, 3),
            "extract": round(extract.seconds / seconds, 3),
            "embed": round(embed.seconds / seconds, 3),
            "other (chunk, store, versions, bookkeeping)": round(1 - (first.seconds_fetch + extract.seconds + embed.seconds) / seconds, 3),
        },
        "first_errors": first.errors[:5],
    }
    embedded_before = embed.calls
    started = time.perf_counter()
    second = follower.run()
    again = {
        "requests": second.requests,
        "not_modified": second.not_modified,
        "kb": round(second.bytes / 1e3, 1),
        "new": second.new,
        "chunks_embedded": second.chunks_embedded,
        "embed_calls": embed.calls - embedded_before,
        "seconds": round(time.perf_counter() - started, 2),
    }
    _restore(extract)
    follower.fetcher().close()
    return first_out, again


def serving(rows: list[dict], mirror: Mirror, work: Path, every: float, updates: int) -> list[dict]:
    """Feed updates while `serve --follow` runs: seconds until the article is listed as new and cited."""
    import httpx

    from harness import processes

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")},
        "ASSISTANT_INDEX_DIR": str(work / "followed" / "index"),
        "ASSISTANT_CORPUS_DIR": str(work / "followed" / "corpus"),
        "ASSISTANT_LLM": "extractive",
        "ASSISTANT_FOLLOW_HOST_DELAY_SECONDS": "0",
        "ASSISTANT_FOLLOW_MAX_ITEMS": str(len(rows) + 100),
        "OMP_WAIT_POLICY": "PASSIVE",
    }
    proc, url = processes.start_app(env, work / "serve.log", "--follow", "--every", str(every))
    trials = []
    rng = random.Random(7)
    try:
        for row in rows[:updates]:
            time.sleep(rng.uniform(0, every * 60))  # the update lands anywhere in the interval
            since = dt.datetime.now(dt.UTC).isoformat()
            mirror.publish(row)
            started = time.monotonic()
            listed = cited = None
            while time.monotonic() - started < every * 60 + 300:
                got = httpx.get(url + "api/new", params={"since": since}, timeout=120).json()
                if listed is None and any(a["url"].endswith(f"/a/{row['id']}.html") for a in got.get("articles", [])):
                    listed = time.monotonic() - started
                if listed is not None:
                    answer = httpx.post(url + "api/answer", json={"question": row.get("title") or row["id"]}, timeout=120).json()
                    if any(c["url"].endswith(f"/a/{row['id']}.html") for c in answer["answer"]["citations"]):
                        cited = time.monotonic() - started
                        break
                    if time.monotonic() - started - listed > 60:
                        break  # in the index, but its title does not bring it up as an answer
                time.sleep(1.0)
            trials.append(
                {
                    "article": row["id"],
                    "interval_s": every * 60,
                    "listed_after_s": round(listed, 1) if listed is not None else None,
                    "cited_after_s": round(cited, 1) if cited is not None else None,
                    "within_target": cited is not None and cited <= every * 60 + 30,
                }
            )
    finally:
        processes.stop(proc)
    return trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--every", type=float, default=1.0, help="Minutes between fetches of the serving test.")
    parser.add_argument("--updates", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "follow-speed")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from harness.follow_site import Site

    rows = load_articles(args.articles)
    mirrored, extra = rows[: args.articles], rows[args.articles :]
    with tempfile.TemporaryDirectory(prefix="follow-speed-") as tmp, Site() as site:
        work = Path(tmp)
        mirror = Mirror(site, mirrored)
        mirror.list_pages(mirrored)
        print(f"mirror of {len(mirrored)} pages at {site.base}", flush=True)
        old = saved_files(mirrored, site.url, work)
        print("saved files:", json.dumps(old), flush=True)
        new, again = followed(mirrored, site, work)
        print("followed:", json.dumps(new), flush=True)
        print("second run:", json.dumps(again), flush=True)
        trials = serving(extra, mirror, work, args.every, args.updates)
        print("serving:", json.dumps(trials), flush=True)
    result = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_average_1min_at_end": round(os.getloadavg()[0], 1),  # other work on the machine slows every figure
        "date": dt.date.today().isoformat(),
        "articles": args.articles,
        "saved_files": old,
        "followed": new,
        "second_run": again,
        "serving": trials,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2))
    args.out.with_suffix(".md").write_text(report(result))
    print(report(result))


def report(r: dict) -> str:
    old, new, again = r["saved_files"], r["followed"], r["second_run"]
    lines = [
        f"# Following sources: speed ({r['date']}, {r['cpu']}, {r['cores']} cores, load average {r.get('load_average_1min_at_end', '?')} at the end)",
        "",
        f"{r['articles']} RealTimeQA 2023-Q1 articles as news pages on a local mirror, listed by news sitemaps under a sitemap index.",
        "",
        "| | pages/s | seconds | fetch | extract | embed | passages embedded |",
        "|---|---|---|---|---|---|---|",
        f"| saved files, `ingest` (before) | {old['pages_per_second']} | {old['seconds']} | — | {old['share']['extract']:.0%} | {old['share']['embed']:.0%} | {old['chunks_embedded']} |",
        f"| followed, `follow run` | {new['pages_per_second']} | {new['seconds']} | {new['share']['fetch']:.0%} | {new['share']['extract']:.0%} | {new['share']['embed']:.0%} | {new['chunks_embedded']} |",
        "",
        f"Followed run: {new['requests']} requests, {new['mb']} MB, {new['articles']} articles, {new['errors']} errors.",
        "",
        f"Second run over the unchanged mirror: {again['requests']} requests ({again['not_modified']} answered 304), "
        f"{again['kb']} kB, {again['new']} new, {again['chunks_embedded']} passages embedded, {again['seconds']} s.",
        "",
        "| update | interval (s) | listed as new after (s) | cited in an answer after (s) | within interval + 30 s |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {t['article']} | {t['interval_s']:g} | {t['listed_after_s']} | {t['cited_after_s']} | {t['within_target']} |" for t in r["serving"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
