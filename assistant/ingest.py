"""Files -> cleaned `Article`s: one reader per format, then the shared cleaning rules.

Readers never raise on bad input: each problem becomes a `Skip` naming the file (and
line) and the reason, so one broken file never costs the rest of the corpus.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from assistant.cleaning import clean
from assistant.dates import normalize_date
from assistant.types import Article

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".jsonl.gz", ".json.gz", ".txt.gz")
_MD_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.M)
_MD_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


@dataclass(frozen=True)
class Skip:
    """Something that could not be ingested, and why."""

    where: str
    reason: str


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def supported(name: str) -> bool:
    """Whether ingest reads a file of this name (by its extension)."""
    return _suffix(Path(name)) in SUPPORTED_SUFFIXES


def _strip_suffix(rel: str, suffix: str) -> str:
    return rel[: -len(suffix)] if rel.lower().endswith(suffix) else rel


def _absolute(path: Path) -> Path:
    # Normalised but with symlinks kept, so an article's id follows the path it was given by.
    return Path(os.path.abspath(path))


def discover(paths: Iterable[str | Path], root: Path | None = None) -> tuple[list[tuple[Path, Path]], list[Skip]]:
    """Expand files and folders (recursively) into (file, root) pairs; doc ids are relative to root.

    The root is the folder given, or a file's own folder, unless `root` holds them: then
    the ids are relative to `root`, so a file gets the same id however it is named.
    Everything that is not read says why: unsupported types, folders that cannot be
    listed, broken or looping symbolic links. Links to folders are not followed (a link
    back up the tree would otherwise be walked forever); ingest the folder itself.
    """
    found: list[tuple[Path, Path]] = []
    skips: list[Skip] = []
    for given in paths:
        path = Path(given).expanduser()
        base = root if root is not None and _absolute(path).is_relative_to(_absolute(root)) else None
        if path.is_dir():
            walked: list[tuple[Path, Path]] = []

            def unreadable(exc: OSError, where: Path = path) -> None:
                skips.append(Skip(str(exc.filename or where), f"cannot list this folder: {exc.strerror or exc}"))

            for folder, dirs, files in os.walk(path, onerror=unreadable):
                folder_path = Path(folder)
                # Hidden files and folders (.git, .DS_Store) are not articles.
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for d in dirs:
                    if (folder_path / d).is_symlink():
                        skips.append(Skip(str(folder_path / d), "symbolic link to a folder, not followed; ingest the folder it points to"))
                for name in sorted(files):
                    if not name.startswith("."):
                        walked.append((folder_path / name, base or path))
            for file, file_root in walked:
                skip = _not_a_readable_file(file)
                if skip:
                    skips.append(skip)
                elif supported(file.name):
                    found.append((file, file_root))
                else:
                    skips.append(Skip(str(file), f"unsupported file type {_suffix(file) or '(none)'}"))
        elif path.is_file():
            if supported(path.name):
                found.append((path, base or path.parent))
            else:
                skips.append(Skip(str(path), f"unsupported file type {_suffix(path) or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}"))
        else:
            skips.append(_not_a_readable_file(path) or Skip(str(path), "not a regular file or folder"))
    return found, skips


def _not_a_readable_file(path: Path) -> Skip | None:
    """Why `path` cannot be read as a file, or None if it can be tried."""
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except RuntimeError:
            return Skip(str(path), "symbolic link loop")
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return Skip(str(path), "symbolic link loop")
            return Skip(str(path), f"broken symbolic link (points to {os.readlink(path)})")
    if not os.path.lexists(path):
        return Skip(str(path), "no such file or folder")
    if not path.is_file() and not path.is_dir():
        return Skip(str(path), "not a regular file (a device, socket or pipe)")
    return None


def _hash(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab, newline, form feed and carriage return: text has almost none.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _decode(data: bytes, where: str) -> str:
    """Text from bytes: a BOM decides (UTF-8/16/32), else UTF-8, else Windows-1252 (a superset of
    Latin-1's printable range). Images and other binaries are refused, not decoded as noise."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()} ({exc.reason} at byte {exc.start})"
                ) from exc
    head = data[:4096]
    if b"\x00" in head or (head and sum(head.count(bytes([c])) for c in _CONTROL) > len(head) * 0.05):
        raise ValueError("binary data, not text (an image or another binary file with a text extension?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValueError("not valid UTF-8 or Windows-1252/Latin-1 text") from exc


class TooLarge(ValueError):
    """A single article bigger than the configured limit."""


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, decompressed for .gz; with `limit`, refuse more than that many bytes
    without reading (or decompressing) the rest."""
    gz = path.name.lower().endswith(".gz")
    if limit is not None and not gz and path.stat().st_size > limit:
        raise TooLarge(
            f"{path.stat().st_size / 1e6:.1f} MB is more than the {limit / 1e6:g} MB limit for one article (ASSISTANT_MAX_ARTICLE_MB); split it into articles, e.g. JSON Lines, or raise the limit"
        )
    if not gz:
        return path.read_bytes()
    with gzip.open(path, "rb") as f:
        data = f.read(-1 if limit is None else limit + 1)
    if limit is not None and len(data) > limit:
        raise TooLarge(f"it decompresses to more than the {limit / 1e6:g} MB limit for one article (ASSISTANT_MAX_ARTICLE_MB)")
    return data


def outlet_of(url: str) -> str:
    """The site an article came from, as a fallback outlet name: `https://www.bbc.co.uk/x` -> `bbc.co.uk`."""
    try:
        host = urlsplit((url or "").strip()).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def make_article(
    doc_id: str,
    source_text: str,
    *,
    title: str = "",
    published_at: object = "",
    source: str = "",
    url: str = "",
    authors: object = (),
    path: str = "",
    structured: bool = False,
) -> Article | None:
    """Clean `source_text` and wrap it with its metadata; None when no prose is left.
    `structured`: the text was cut out of a page by its markup (see `clean`)."""
    cleaned = clean(source_text, known_title=title, structured=structured)
    if not cleaned.text.strip():
        return None
    if isinstance(authors, str):
        authors = [a.strip() for a in re.split(r",| and ", authors) if a.strip()]
    author_tuple = tuple(str(a).strip() for a in (authors or ()) if str(a).strip())
    title = (title or cleaned.title or "").strip()
    published = normalize_date(published_at) or cleaned.published_at
    meta = json.dumps([title, published, source, url, list(author_tuple)])
    return Article(
        doc_id=doc_id,
        text=cleaned.text,
        title=title,
        published_at=published,
        source=(source or "").strip() or outlet_of(url),
        url=(url or "").strip(),
        authors=author_tuple,
        path=path,
        content_hash=_hash(source_text, meta),
        segments=cleaned.segments,
    )


# --- plain text and Markdown ----------------------------------------------------------


def _read_text(path: Path, doc_id: str, limit: int | None) -> Iterator[Article | Skip]:
    text = _decode(_read_bytes(path, limit), str(path))
    title = ""
    if _suffix(path) in (".md", ".markdown"):
        front = _MD_FRONT_MATTER.match(text)
        meta: dict[str, str] = {}
        if front:
            for line in front.group(1).splitlines():
                key, _, value = line.partition(":")
                meta[key.strip().lower()] = value.strip().strip("\"'")
            # Blank the front matter rather than cut it, so offsets still index the file.
            text = " " * front.end() + text[front.end() :]
        heading = _MD_HEADING.search(text)
        if heading:
            title = heading.group(1)
            text = text[: heading.start()] + " " * (heading.end() - heading.start()) + text[heading.end() :]
        article = make_article(
            doc_id,
            text,
            title=meta.get("title", title),
            published_at=meta.get("date", meta.get("published_at", "")),
            source=meta.get("source", ""),
            url=meta.get("url", ""),
            authors=meta.get("authors", meta.get("author", "")),
            path=str(path),
        )
    else:
        article = make_article(doc_id, text, path=str(path))
    yield article if article else Skip(str(path), "no article text left after removing page furniture")


# --- HTML ------------------------------------------------------------------------------


def _read_html(path: Path, doc_id: str, limit: int | None) -> Iterator[Article | Skip]:
    from assistant.webpage import read_page

    data = _read_bytes(path, limit)
    _decode(data, str(path))  # refuses binaries with the same reasons as every other format
    # The bytes, not our decoding: trafilatura honours the page's own <meta charset>.
    page = read_page(data)
    # A page fetched from a followed source (assistant/follow) has a hidden note beside it:
    # where it was fetched from and what its feed said, for what the page itself does not say.
    fetched = _fetch_note(path)
    published = page.published_at or fetched.get("published_at", "")
    if fetched.get("revision_of"):  # a changed page: this version is as new as the day it was fetched
        published = max(normalize_date(published), normalize_date(fetched.get("fetched_at", "")))
    article = make_article(
        doc_id,
        page.text,
        title=page.title or fetched.get("title", ""),
        published_at=published,
        source=page.source,
        url=page.url or fetched.get("url", ""),
        authors=page.authors,
        path=str(path),
        structured=True,
    )
    yield article if article else Skip(str(path), "no article text found in the HTML")


def _fetch_note(path: Path) -> dict[str, str]:
    """The note `assistant.follow` keeps beside a fetched page (`.<name>.json`), or {}."""
    note = path.with_name(f".{path.name}.json")
    try:
        data = json.loads(note.read_text(encoding="utf-8")) if note.is_file() else {}
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


# --- JSON and JSON Lines -----------------------------------------------------------------


_NO_TEXT = "no 'text' or 'body' field with text"


def record_to_article(record: Any, fallback_id: str, path: str, where: str, limit: int | None = None) -> Article | Skip:
    """One JSON object -> Article, or a Skip naming the missing or wrong field."""
    if not isinstance(record, dict):
        return Skip(where, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text", record.get("body"))
    if not isinstance(text, str) or not text.strip():
        return Skip(where, _NO_TEXT)
    if limit is not None and len(text) > limit:
        return Skip(where, f"the text has {len(text):,} characters, more than the {limit / 1e6:g} MB limit for one article (ASSISTANT_MAX_ARTICLE_MB)")
    doc_id = str(record.get("id") or fallback_id)
    article = make_article(
        doc_id,
        text,
        title=str(record.get("title") or ""),
        published_at=record.get("published_at") or record.get("date") or "",
        source=str(record.get("source") or ""),
        url=str(record.get("url") or ""),
        authors=record.get("authors") or record.get("author") or (),
        path=path,
    )
    return article if article else Skip(where, "no article text left after removing page furniture")


def _read_json(path: Path, doc_id: str, limit: int | None) -> Iterator[Article | Skip]:
    try:
        data = json.loads(_decode(_read_bytes(path), str(path)))
    except json.JSONDecodeError as exc:
        yield Skip(str(path), f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
        return
    records = data if isinstance(data, list) else [data]
    for i, record in enumerate(records):
        fallback = doc_id if len(records) == 1 else f"{doc_id}#{i}"
        yield record_to_article(record, fallback, str(path), f"{path} [{i}]" if len(records) > 1 else str(path), limit)


def _read_jsonl(path: Path, doc_id: str, limit: int | None) -> Iterator[Article | Skip]:
    raw = _read_bytes(path)
    no_text: list[Skip] = []
    any_article = False
    for lineno, line in enumerate(_decode(raw, str(path)).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skip(where, f"invalid JSON: {exc.msg}")
            continue
        item = record_to_article(record, f"{doc_id}#{lineno}", str(path), where, limit)
        if isinstance(item, Skip) and item.reason == _NO_TEXT:
            no_text.append(item)
            continue
        any_article = any_article or isinstance(item, Article)
        yield item
    if no_text and not any_article:
        # A JSON Lines file of something else (a question set, a log) is one skip, not hundreds.
        yield Skip(str(path), f"no record has a 'text' or 'body' field: not an article file ({len(no_text)} records)")
    else:
        yield from no_text


_READERS = {
    ".txt": _read_text,
    ".txt.gz": _read_text,
    ".md": _read_text,
    ".markdown": _read_text,
    ".html": _read_html,
    ".htm": _read_html,
    ".json": _read_json,
    ".json.gz": _read_json,
    ".jsonl": _read_jsonl,
    ".jsonl.gz": _read_jsonl,
}


def read_file(path: Path, root: Path, limit: int | None = None) -> Iterator[Article | Skip]:
    """Every article in one file (JSON Lines hold many), or Skips explaining what failed."""
    suffix = _suffix(path)
    file, base = _absolute(path), _absolute(root)
    rel = file.relative_to(base).as_posix() if file.is_relative_to(base) else path.name
    doc_id = _strip_suffix(rel, suffix)
    try:
        if path.stat().st_size == 0:
            yield Skip(str(path), "empty file (0 bytes)")
            return
        yield from _READERS[suffix](path, doc_id, limit)
    except TooLarge as exc:
        yield Skip(str(path), f"too large: {exc}")
    except OSError as exc:
        yield Skip(str(path), f"unreadable: {exc.strerror or exc}" if not isinstance(exc, gzip.BadGzipFile) else f"unreadable: not a valid gzip file ({exc})")
    except (ValueError, EOFError) as exc:
        yield Skip(str(path), f"unreadable: {exc}")


def load_articles(paths: Iterable[str | Path], root: Path | None = None, max_article_bytes: int | None = None) -> tuple[list[Article], list[Skip]]:
    """Read and clean every article under `paths`; duplicates of a doc id are skipped.

    An article file (or JSON record text) over `max_article_bytes` is skipped unread.
    """
    files, skips = discover(paths, root)
    articles: dict[str, Article] = {}
    for path, file_root in files:
        for item in read_file(path, file_root, max_article_bytes):
            if isinstance(item, Skip):
                skips.append(item)
            elif item.doc_id in articles:
                skips.append(Skip(item.path, f"duplicate id {item.doc_id!r} (first seen in {articles[item.doc_id].path})"))
            else:
                articles[item.doc_id] = item
    return list(articles.values()), skips
