"""Render an evaluation as Markdown and HTML with matplotlib charts."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

_HEADLINE = [
    ("accuracy", "Answer accuracy"),
    ("first_sentence_accuracy", "First-sentence accuracy"),
    ("refusal_precision", "Refusal precision"),
    ("refusal_recall", "Refusal recall"),
    ("mrr", "MRR (evidence)"),
    ("quotes_verbatim", "Quotes verbatim"),
    ("cites_gold_article", "Cites a gold article"),
    ("lexically_supported_sentences", "Sentences supported (lexical check)"),
    ("change_items_found", "Expected changes and events cited (what-changed and timeline questions)"),
    ("latency_p50_ms", "Latency p50 (ms)"),
    ("latency_p95_ms", "Latency p95 (ms)"),
]


def _rows(summary: dict[str, Any]) -> list[tuple[str, Any]]:
    rows = [(label, summary.get(key)) for key, label in _HEADLINE]
    rows += [(key, value) for key, value in summary.items() if key.startswith(("hit@", "answer_in_top"))]
    return rows


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _charts(report) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts = {}
    types = report.summary["by_type"]
    fig, ax = plt.subplots(figsize=(7, 3))
    names = list(types)
    ax.bar(names, [types[t]["accuracy"] or 0 for t in names], color="#4a7bb7", label="accuracy")
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy by question type")
    ax.tick_params(axis="x", rotation=30)
    charts["by_type.png"] = _png(fig)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.hist([r.latency_ms for r in report.results], bins=20, color="#b77a4a")
    ax.set_xlabel("latency per answer (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency")
    charts["latency.png"] = _png(fig)
    plt.close(fig)
    return charts


def _fmt(value: Any) -> str:
    return "—" if value is None else str(value)


def render_report(report, folder: Path) -> None:
    """Write report.md, report.html and the PNG charts into `folder`."""
    charts = _charts(report)
    for name, data in charts.items():
        (folder / name).write_bytes(data)
    s, meta = report.summary, report.meta
    md = [
        f"# Evaluation: {meta['gold']}",
        "",
        f"{s['questions']} questions · k={meta['k']} · commit {meta['git_commit'] or '?'} · "
        f"index: {meta['index'].get('articles')} articles, {meta['index'].get('chunks')} chunks · {meta['finished']}",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    md += [f"| {label} | {_fmt(value)} |" for label, value in _rows(s)]
    md += ["", "| type | questions | accuracy | first-sentence accuracy |", "|---|---|---|---|"]
    md += [f"| {t} | {v['questions']} | {_fmt(v['accuracy'])} | {_fmt(v['first_sentence_accuracy'])} |" for t, v in s["by_type"].items()]
    md += ["", "![accuracy by type](by_type.png)", "", "![latency](latency.png)", "", f"## Failures ({len(report.failures())})", ""]
    for r in report.failures():
        expected = " / ".join(r.answers) if r.answers else "(a refusal)"
        md += [f"### {r.id} ({r.type}): {r.question}", f"- expected: {expected}", f"- answer: {r.answer.splitlines()[0] if r.answer else ''}"]
        md += [f"  - [{c['number']}] {c['doc_id']} ({c['published_at'] or 'undated'}): “{c['quote']}”" for c in r.citations]
        md.append("")
    (folder / "report.md").write_text("\n".join(md), encoding="utf-8")

    esc = html.escape
    images = "".join(f'<img alt="{esc(n)}" src="data:image/png;base64,{base64.b64encode(d).decode()}">' for n, d in charts.items())
    table = "".join(f"<tr><td>{esc(label)}</td><td>{esc(_fmt(value))}</td></tr>" for label, value in _rows(s))
    types = "".join(
        f"<tr><td>{esc(t)}</td><td>{v['questions']}</td><td>{_fmt(v['accuracy'])}</td><td>{_fmt(v['first_sentence_accuracy'])}</td></tr>"
        for t, v in s["by_type"].items()
    )
    fails = []
    for r in report.failures():
        cites = "".join(
            f"<li>[{c['number']}] <b>{esc(c['title'] or c['doc_id'])}</b> ({esc(c['published_at'] or 'undated')}): “{esc(c['quote'])}”</li>"
            for c in r.citations
        )
        fails.append(
            f"<section><h3>{esc(r.id)} ({esc(r.type)}): {esc(r.question)}</h3><p><b>Expected:</b> {esc(' / '.join(r.answers) or '(a refusal)')}</p>"
            f"<p><b>Answer:</b> {esc(r.answer)}</p><ul>{cites}</ul></section>"
        )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Evaluation report</title>"
        "<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}td,th{border:1px solid #ccc;padding:4px 8px}"
        "table{border-collapse:collapse;margin:1em 0}img{max-width:100%;display:block;margin:1em 0}</style></head><body>"
        f"<h1>Evaluation: {esc(str(meta['gold']))}</h1><p>{s['questions']} questions · k={meta['k']} · commit {esc(meta['git_commit'] or '?')} · {esc(meta['finished'])}</p>"
        f"<table><tr><th>metric</th><th>value</th></tr>{table}</table>"
        f"<table><tr><th>type</th><th>questions</th><th>accuracy</th><th>first-sentence accuracy</th></tr>{types}</table>"
        f"{images}<h2>Failures ({len(fails)})</h2>{''.join(fails)}</body></html>"
    )
    (folder / "report.html").write_text(page, encoding="utf-8")
