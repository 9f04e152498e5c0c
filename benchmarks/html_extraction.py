"""Article extraction from real web pages: the old hand-written HTML reader beside the
trafilatura reader the assistant uses now, on ../shared/benchmarks/html-extraction/.

The metric is the data set's (trafilatura's own evaluation): over all pages, a gold
`with` snippet found in the extracted text is a true positive, missing a false negative;
a `without` (furniture) snippet found is a false positive, absent a true negative.
Snippets and text are compared with whitespace collapsed. Both readers are scored on what
would be stored: the article text after the cleaning rules (`make_article`).

Also counted: pages that yield no article, and pages with a publication date, out of the
pages that carry one (a date in a meta tag, JSON-LD, a `<time>` element or the URL).

    python benchmarks/html_extraction.py            # writes benchmarks/results/html-extraction.{md,json}
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "html-extraction"
sys.path.insert(0, str(ROOT))

from assistant.ingest import decode_text, make_article  # noqa: E402
from assistant.webpage import read_page  # noqa: E402

# Signs that a page carries its date somewhere a reader can find it.
_DATE_SIGNS = re.compile(r"""(?:published_time|datePublished|dateCreated|dateModified|pubdate|publish[-_]?date|<time[^>]*datetime|itemprop=["']?date)""", re.I)
_URL_DATE = re.compile(r"/(?:19|20)\d{2}[/-]\d{1,2}(?:[/-]\d{1,2})?/")


# --- the reader before trafilatura, kept here as the baseline -------------------------------


class _MainText(HTMLParser):
    """Collect the prose blocks of a page and its metadata, skipping navigation and scripts."""

    _SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "figure", "figcaption", "button", "svg", "iframe", "template", "select"}
    _BLOCKS = {"p", "h1", "h2", "h3", "h4", "li", "blockquote", "pre", "td", "div", "section", "article", "main", "br", "tr", "dd", "dt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title_tag = ""
        self.h1 = ""
        self.blocks: list[str] = []
        self.main_blocks: list[str] | None = None
        self._buf: list[str] = []
        self._skip_depth = 0
        self._main_depth = 0
        self._in = {"title": False, "h1": False}
        self.time_datetime = ""

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._buf)).strip()
        self._buf = []
        if text:
            self.blocks.append(text)
            if self._main_depth and self.main_blocks is not None:
                self.main_blocks.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
            return
        if tag == "link" and a.get("rel", "").lower() == "canonical" and a.get("href"):
            self.meta.setdefault("canonical", a["href"])
            return
        if tag == "time" and a.get("datetime") and not self.time_datetime:
            self.time_datetime = a["datetime"]
        if tag in self._SKIP:
            self._skip_depth += 1
            return
        if tag in ("article", "main"):
            if self.main_blocks is None:
                self.main_blocks = []
            self._main_depth += 1
        if tag in self._in:
            self._in[tag] = True
        if tag in self._BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag in self._in:
            self._in[tag] = False
        if tag in self._BLOCKS:
            self._flush()
        if tag in ("article", "main"):
            self._main_depth = max(0, self._main_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._in["title"]:
            self.title_tag += data
            return
        if self._skip_depth:
            return
        if self._in["h1"] and not self.h1:
            self.h1 = data.strip()
            return
        self._buf.append(data)


def old_reader(html: str) -> tuple[str, str]:
    parser = _MainText()
    parser.feed(html)
    parser.close()
    parser._flush()
    blocks = parser.main_blocks if parser.main_blocks else parser.blocks
    m = parser.meta
    article = make_article(
        "page",
        "\n\n".join(blocks),
        title=m.get("og:title") or parser.h1 or parser.title_tag.strip(),
        published_at=m.get("article:published_time") or m.get("datepublished") or m.get("date") or parser.time_datetime,
    )
    return (article.text, article.published_at) if article else ("", "")


def new_reader(html: bytes, url: str) -> tuple[str, str]:
    page = read_page(html, url)
    article = make_article("page", page.text, title=page.title, published_at=page.published_at, structured=True)
    return (article.text, article.published_at) if article else ("", "")


def _flat(text: str) -> str:
    return " ".join(text.split())


def score(outputs: dict[str, tuple[str, str]], gold: dict, carries_date: set[str]) -> dict:
    tp = fn = fp = tn = 0
    for name, (text, _date) in outputs.items():
        flat = _flat(text)
        for snippet in gold[name]["with"]:
            found = _flat(snippet) in flat
            tp, fn = tp + found, fn + (not found)
        for snippet in gold[name]["without"]:
            found = _flat(snippet) in flat
            fp, tn = fp + found, tn + (not found)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
        "accuracy": round((tp + tn) / (tp + fn + fp + tn), 3),
        "empty_pages": sum(1 for text, _ in outputs.values() if not text.strip()),
        "dated": sum(1 for n in carries_date if outputs[n][1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    gold = json.loads((args.data / "gold.json").read_text())
    raw = {name: gzip.decompress((args.data / "pages" / f"{name}.gz").read_bytes()) for name in gold}
    pages = {name: decode_text(data) for name, data in raw.items()}
    carries_date = {n for n, html in pages.items() if _DATE_SIGNS.search(html) or _URL_DATE.search(gold[n].get("url", ""))}
    results, seconds = {}, {}
    for label, run in (
        ("old reader (HTMLParser)", lambda n: old_reader(pages[n])),
        ("trafilatura reader", lambda n: new_reader(raw[n], gold[n].get("url", ""))),
    ):
        started = time.perf_counter()
        outputs = {n: run(n) for n in gold}
        seconds[label] = round((time.perf_counter() - started) / len(gold), 4)
        results[label] = score(outputs, gold, carries_date)
    lines = [
        f"| reader | precision | recall | F1 | accuracy | pages without text | dated (of {len(carries_date)} that carry a date) | s per page |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, r in results.items():
        lines.append(f"| {label} | {r['precision']} | {r['recall']} | **{r['f1']}** | {r['accuracy']} | {r['empty_pages']} | {r['dated']} | {seconds[label]} |")
    lines.append("")
    lines.append(
        f"{len(gold)} pages, {sum(len(g['with']) for g in gold.values())} article snippets, {sum(len(g['without']) for g in gold.values())} furniture snippets."
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "html-extraction.json").write_text(
        json.dumps({"results": results, "seconds_per_page": seconds, "pages": len(gold), "carry_a_date": len(carries_date)}, indent=2)
    )
    (args.out / "html-extraction.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
