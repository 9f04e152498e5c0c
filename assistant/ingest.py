"""Files -> cleaned `Article`s: one reader per format, then the shared cleaning rules.

Readers never raise on bad input: each problem becomes a `Skip` naming the file (and
line) and the reason, so one broken file never costs the rest of the corpus.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import hashlib
import itertools
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.cleaning import clean
from assistant.dates import normalize_date
from assistant.metadata import describe, outlet_of_url
from assistant.types import Article

log = logging.getLogger(__name__)

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


def decode_text(data: bytes) -> str:
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
    return _decode_piece(data)


class TooLarge(ValueError):
    """A single article bigger than the configured limit."""


@dataclass(frozen=True)
class Limits:
    """How much of a file the readers take, in bytes (None: no limit). Every limit is checked
    while reading, before the memory is spent: compressed and JSON input is read as a stream.

    `article`: one text or HTML file, or one JSON record's text. `record`: one JSON record
    or JSON Lines line as written in the file. `file`: everything one file holds, after
    decompression (the rest of a bigger file is skipped with its reason)."""

    article: int | None = None
    record: int | None = None
    file: int | None = None

    @classmethod
    def of(cls, settings: Any) -> Limits:
        """The limits a `Settings` object sets."""
        return cls(int(settings.max_article_mb * 1_000_000), int(settings.max_record_mb * 1_000_000), int(settings.max_file_mb * 1_000_000))


_BLOCK = 1 << 16
_HEAD = 4096


class _Stream:
    """A file's bytes in blocks, decompressed for .gz; more than `limit` bytes raises TooLarge."""

    def __init__(self, path: Path, limit: int | None, gz: bool) -> None:
        self.file = gzip.open(path, "rb") if gz else open(path, "rb")  # noqa: SIM115 (closed by blocks())
        self.limit = limit
        self.seen = 0

    def blocks(self, first: int = _BLOCK) -> Iterator[bytes]:
        try:
            size = first
            while block := self.file.read(size):
                self.seen += len(block)
                if self.limit is not None and self.seen > self.limit:
                    raise TooLarge(
                        f"it holds more than {self.limit / 1e6:g} MB (decompressed), the limit for one file (ASSISTANT_MAX_FILE_MB); "
                        "what came before the limit was read"
                    )
                yield block
                size = _BLOCK
        finally:
            self.file.close()


def _text_blocks(path: Path, limit: int | None, gz: bool) -> Iterator[bytes]:
    """The file's text as UTF-8 (or, without a byte-order mark, its own single-byte
    encoding) in blocks. Binary data is refused from the first 4 KB, before the rest is
    read or decompressed: a gzip "bomb" of zeros costs 4 KB, not gigabytes."""
    blocks = _Stream(path, limit, gz).blocks(_HEAD)
    head = b""
    for block in blocks:
        head += block
        if len(head) >= _HEAD:
            break
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                yield decoder.decode(head).encode("utf-8", "surrogatepass")
                for block in blocks:
                    yield decoder.decode(block).encode("utf-8", "surrogatepass")
                yield decoder.decode(b"", final=True).encode("utf-8", "surrogatepass")
            except UnicodeDecodeError as exc:
                raise ValueError(f"starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()} ({exc.reason})") from exc
            return
    _refuse_binary(head)
    yield head
    yield from blocks


def _refuse_binary(head: bytes) -> None:
    if b"\x00" in head or (head and sum(head.count(bytes([c])) for c in _CONTROL) > len(head) * 0.05):
        raise ValueError("binary data, not text (an image or another binary file with a text extension?)")


def _decode_piece(data: bytes) -> str:
    """One record's or line's text: UTF-8, else Windows-1252 (as whole files are read)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValueError("not valid UTF-8 or Windows-1252/Latin-1 text") from exc


def _lines(blocks: Iterable[bytes], limit: int | None) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) of a text read in blocks; None for a line over `limit` bytes,
    whose bytes are dropped as they arrive (a 200 MB line costs one block of memory)."""
    buf = bytearray()
    lineno, dropping = 1, False
    for block in blocks:
        start = 0
        while (end := block.find(b"\n", start)) >= 0:
            if not dropping:
                buf += block[start:end]
            if dropping or (limit is not None and len(buf) > limit):
                yield lineno, None
            else:
                yield lineno, bytes(buf)
            buf.clear()
            dropping = False
            lineno += 1
            start = end + 1
        if not dropping:
            buf += block[start:]
            if limit is not None and len(buf) > limit:
                dropping = True
                buf.clear()
    if dropping:
        yield lineno, None
    elif buf.strip():
        yield lineno, bytes(buf)


_OUTSIDE = re.compile(rb'[\[\]{}",]')
_INSIDE = re.compile(rb'["\\]')


def _array_items(blocks: Iterable[bytes], limit: int | None) -> Iterator[bytes | None]:
    """The elements of a JSON array whose opening bracket was read already, as bytes, read
    in blocks; None for an element over `limit` bytes (dropped as it arrives). Only the
    brackets, braces, commas and strings are looked at; each element is parsed by the caller.
    Raises ValueError when the array is not closed or is followed by more than white space."""
    buf = bytearray()
    depth, in_string, escaped, dropping, closed = 1, False, False, False, False

    def keep(piece: bytes) -> None:
        nonlocal dropping
        if dropping:
            return
        buf.extend(piece)
        if limit is not None and len(buf) > limit:
            dropping = True
            buf.clear()

    def element() -> bytes | None:
        nonlocal dropping
        out = None if dropping else bytes(buf)
        buf.clear()
        dropping = False
        return out

    for block in blocks:
        if closed:
            if block.strip():
                raise ValueError("there is more after the end of the JSON array")
            continue
        pos = mark = 0
        n = len(block)
        while pos < n:
            if in_string:
                if escaped:
                    escaped, pos = False, pos + 1
                    continue
                m = _INSIDE.search(block, pos)
                if m is None:
                    pos = n
                    break
                pos = m.end()
                if block[m.start()] == 0x5C:  # backslash: the next byte is escaped
                    escaped = True
                else:
                    in_string = False
                continue
            m = _OUTSIDE.search(block, pos)
            if m is None:
                pos = n
                break
            c, pos = block[m.start()], m.end()
            if c == 0x22:  # "
                in_string = True
            elif c in (0x5B, 0x7B):  # [ {
                depth += 1
            elif c in (0x5D, 0x7D):  # ] }
                depth -= 1
                if depth == 0:
                    keep(block[mark : m.start()])
                    item = element()
                    if item is None or item.strip():
                        yield item
                    closed = True
                    if block[pos:].strip():
                        raise ValueError("there is more after the end of the JSON array")
                    break
            elif c == 0x2C and depth == 1:  # a comma between elements
                keep(block[mark : m.start()])
                yield element()
                mark = pos
        if not closed:
            keep(block[mark:])
    if not closed:
        raise ValueError("the JSON array is not closed: the file ends inside it (cut short?)")


def _loads(text: str) -> Any:
    """json.loads, with nesting too deep for Python's parser as a ValueError that says so."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to read (arrays or objects inside each other hundreds of levels deep)") from None


def _gz(name: Path) -> bool:
    return name.name.lower().endswith(".gz")


def _read_bytes(path: Path, limit: int | None = None, gz: bool | None = None) -> bytes:
    """The file's bytes, decompressed for .gz; with `limit`, refuse more than that many bytes
    without reading (or decompressing) the rest."""
    gz = _gz(path) if gz is None else gz
    if limit is not None and not gz and path.stat().st_size > limit:
        raise TooLarge(
            f"{path.stat().st_size / 1e6:.1f} MB is more than the {limit / 1e6:g} MB limit for one article (ASSISTANT_MAX_ARTICLE_MB); split it into articles, e.g. JSON Lines, or raise the limit"
        )
    if not gz:
        return path.read_bytes()
    with gzip.open(path, "rb") as f:
        data = f.read(_HEAD)
        if not any(data.startswith(bom) for bom, _ in _BOMS):
            _refuse_binary(data)  # before decompressing the rest: a bomb of zeros costs 4 KB
        data += f.read(-1 if limit is None else max(0, limit + 1 - len(data)))
    if limit is not None and len(data) > limit:
        raise TooLarge(f"it decompresses to more than the {limit / 1e6:g} MB limit for one article (ASSISTANT_MAX_ARTICLE_MB)")
    return data


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
    article = Article(
        doc_id=doc_id,
        text=cleaned.text,
        title=title,
        published_at=published,
        source=(source or "").strip() or outlet_of_url(url),
        url=(url or "").strip(),
        authors=author_tuple,
        path=path,
        content_hash=_hash(source_text, meta),
        segments=cleaned.segments,
    )
    return describe(article, source_text)


# --- plain text and Markdown ----------------------------------------------------------


def _read_text(path: Path, doc_id: str, limit: int | None, name: Path) -> Iterator[Article | Skip]:
    text = decode_text(_read_bytes(path, limit, _gz(name)))
    title = ""
    if _suffix(name) in (".md", ".markdown"):
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
            path=str(name),
        )
    else:
        article = make_article(doc_id, text, path=str(name))
    yield article if article else Skip(str(name), "no article text left after removing page furniture")


# --- HTML ------------------------------------------------------------------------------


def _read_html(path: Path, doc_id: str, limit: int | None, name: Path) -> Iterator[Article | Skip]:
    from assistant.webpage import read_page

    data = _read_bytes(path, limit, _gz(name))
    decode_text(data)  # refuses binaries with the same reasons as every other format
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
        path=str(name),
        structured=True,
    )
    yield article if article else Skip(str(name), "no article text found in the HTML")


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


def _scalar(value: Any) -> str:
    """A metadata field as text: strings and numbers only (a nested value is not a title)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def record_to_article(record: Any, fallback_id: str, path: str, where: str, limit: int | None = None) -> Article | Skip:
    """One JSON object -> Article, or a Skip naming the missing or wrong field."""
    if not isinstance(record, dict):
        return Skip(where, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text", record.get("body"))
    if not isinstance(text, str) or not text.strip():
        return Skip(where, _NO_TEXT)
    if limit is not None and len(text) > limit:
        return Skip(where, f"the text has {len(text):,} characters, more than the {limit / 1e6:g} MB limit for one article (ASSISTANT_MAX_ARTICLE_MB)")
    given_id = record.get("id")
    if given_id not in (None, "") and not _scalar(given_id).strip():
        return Skip(where, f"the 'id' field must be text or a number, not {type(given_id).__name__}")
    doc_id = _scalar(given_id).strip() or fallback_id
    authors = record.get("authors") or record.get("author") or ()
    authors = authors if isinstance(authors, str) else [_scalar(a) for a in authors] if isinstance(authors, list) else ()
    article = make_article(
        doc_id,
        text,
        title=_scalar(record.get("title")),
        published_at=_scalar(record.get("published_at")) or _scalar(record.get("date")),
        source=_scalar(record.get("source")),
        url=_scalar(record.get("url")),
        authors=authors,
        path=path,
    )
    return article if article else Skip(where, "no article text left after removing page furniture")


def _record(data: bytes | None, fallback_id: str, name: Path, where: str, limits: Limits) -> Article | Skip:
    """One JSON record as read from the file (None: it was over the record limit)."""
    if data is None:
        return Skip(where, f"the record is over the {(limits.record or 0) / 1e6:g} MB limit for one record (ASSISTANT_MAX_RECORD_MB); it was not read")
    try:
        record = _loads(_decode_piece(data))
    except json.JSONDecodeError as exc:
        return Skip(where, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno} of the record)")
    except ValueError as exc:
        return Skip(where, str(exc))
    return record_to_article(record, fallback_id, str(name), where, limits.article)


def _read_json(path: Path, doc_id: str, limits: Limits, name: Path) -> Iterator[Article | Skip]:
    """A JSON file: one article object, or a list of them read one element at a time."""
    blocks = _text_blocks(path, limits.file, _gz(name))
    first = b""
    for block in blocks:
        first = block.lstrip()
        if first:
            break
    if not first.startswith(b"["):
        # One object: read whole, within the limit for one record.
        data = bytearray(first)
        for block in blocks:
            data += block
            if limits.record is not None and len(data) > limits.record:
                yield Skip(str(name), f"too large: the JSON object is over the {limits.record / 1e6:g} MB limit for one record (ASSISTANT_MAX_RECORD_MB)")
                return
        try:
            record = _loads(_decode_piece(bytes(data)))
        except json.JSONDecodeError as exc:
            yield Skip(str(name), f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
            return
        yield record_to_article(record, doc_id, str(name), str(name), limits.article)
        return
    rest = itertools.chain([first[1:]], blocks)
    pending: bytes | None = None
    count = 0
    tail: Skip | None = None
    try:
        for i, item in enumerate(_array_items(rest, limits.record)):
            count = i + 1
            if i == 0:
                pending = item  # a list of one article takes the file's id: wait for a second
                continue
            if i == 1:
                yield _record(pending, f"{doc_id}#0", name, f"{name} [0]", limits)
            yield _record(item, f"{doc_id}#{i}", name, f"{name} [{i}]", limits)
    except ValueError as exc:
        tail = Skip(str(name), f"{'too large' if isinstance(exc, TooLarge) else 'invalid JSON'}: {exc}")
    if count == 1:
        yield _record(pending, doc_id, name, str(name), limits)
    if tail is not None:
        yield tail


def _read_jsonl(path: Path, doc_id: str, limits: Limits, name: Path) -> Iterator[Article | Skip]:
    """A JSON Lines file, one line at a time: no line over the record limit is kept."""
    no_text: list[Skip] = []
    any_article = False
    tail: Skip | None = None
    try:
        for lineno, line in _lines(_text_blocks(path, limits.file, _gz(name)), limits.record):
            if line is not None and not line.strip():
                continue
            where = f"{name}:{lineno}"
            if line is None:
                item: Article | Skip = Skip(
                    where, f"the line is over the {(limits.record or 0) / 1e6:g} MB limit for one record (ASSISTANT_MAX_RECORD_MB); it was not read"
                )
            else:
                try:
                    record = _loads(_decode_piece(line))
                except json.JSONDecodeError as exc:
                    yield Skip(where, f"invalid JSON: {exc.msg}")
                    continue
                except ValueError as exc:
                    yield Skip(where, str(exc))
                    continue
                item = record_to_article(record, f"{doc_id}#{lineno}", str(name), where, limits.article)
            if isinstance(item, Skip) and item.reason == _NO_TEXT:
                no_text.append(item)
                continue
            any_article = any_article or isinstance(item, Article)
            yield item
    except TooLarge as exc:
        tail = Skip(str(name), f"too large: {exc}")
    if no_text and not any_article:
        # A JSON Lines file of something else (a question set, a log) is one skip, not hundreds.
        yield Skip(str(name), f"no record has a 'text' or 'body' field: not an article file ({len(no_text)} records)")
    else:
        yield from no_text
    if tail is not None:
        yield tail


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


def read_file(path: Path, root: Path, limit: int | None = None, *, limits: Limits | None = None, as_path: Path | None = None) -> Iterator[Article | Skip]:
    """Every article in one file (JSON Lines hold many), or Skips explaining what failed.

    `limit` is the article limit alone (`limits` sets them all). `as_path` reads `path`
    as though it were that file (its type, its id): an upload checked before it is saved.
    Nothing in a file stops the reading of the others: any failure is a Skip with its reason.
    """
    limits = limits or Limits(article=limit)
    named = as_path or path
    suffix = _suffix(named)
    file, base = _absolute(named), _absolute(root)
    rel = file.relative_to(base).as_posix() if file.is_relative_to(base) else named.name
    doc_id = _strip_suffix(rel, suffix)
    try:
        if path.stat().st_size == 0:
            yield Skip(str(named), "empty file (0 bytes)")
            return
        reader = _READERS[suffix]
        if reader in (_read_json, _read_jsonl):
            yield from reader(path, doc_id, limits, named)
        else:
            yield from reader(path, doc_id, limits.article, named)
    except TooLarge as exc:
        yield Skip(str(named), f"too large: {exc}")
    except OSError as exc:
        yield Skip(str(named), f"unreadable: {exc.strerror or exc}" if not isinstance(exc, gzip.BadGzipFile) else f"unreadable: not a valid gzip file ({exc})")
    except (ValueError, EOFError) as exc:
        yield Skip(str(named), f"unreadable: {exc}")
    except RecursionError:
        yield Skip(str(named), "unreadable: nested too deeply to read")
    except Exception as exc:  # a reader's own bug must cost this file, not the ingest
        log.warning("reading %s failed", named, exc_info=True)
        yield Skip(str(named), f"unreadable: {type(exc).__name__}: {exc}")


def load_articles(
    paths: Iterable[str | Path], root: Path | None = None, max_article_bytes: int | None = None, limits: Limits | None = None
) -> tuple[list[Article], list[Skip]]:
    """Read and clean every article under `paths`; duplicates of a doc id are skipped.

    An article file (or JSON record text) over `max_article_bytes` is skipped unread
    (`limits` sets every limit at once).
    """
    limits = limits or Limits(article=max_article_bytes)
    files, skips = discover(paths, root)
    articles: dict[str, Article] = {}
    for path, file_root in files:
        for item in read_file(path, file_root, limits=limits):
            if isinstance(item, Skip):
                skips.append(item)
            elif item.doc_id in articles:
                skips.append(Skip(item.path, f"duplicate id {item.doc_id!r} (first seen in {articles[item.doc_id].path})"))
            else:
                articles[item.doc_id] = item
    return list(articles.values()), skips
