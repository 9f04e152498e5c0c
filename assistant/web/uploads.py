"""Files people upload from the chat page -> the corpus folder, and nowhere else.

Uploaded names are untrusted: only the last path component is kept, odd characters are
replaced, and the target is checked to lie inside `<corpus>/uploads/` before anything is
written. Each file is read (as ingest will read it) before it is saved: one without a
readable article is rejected with the readers' reasons and never reaches the corpus folder,
where every later ingest would read it again. Files are written whole or not at all (copy
to a temporary name, then rename).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from assistant.ingest import SUPPORTED_SUFFIXES, Article, Limits, Skip, read_file, supported

UPLOADS = "uploads"
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
_MAX_NAME = 120


@dataclass
class Saved:
    """What became of a batch of uploads."""

    files: list[Path] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name as uploaded, reason)
    ids: dict[Path, list[str]] = field(default_factory=dict)  # each saved file's article ids
    new: set[Path] = field(default_factory=set)  # saved files that did not exist before
    names: dict[Path, str] = field(default_factory=dict)  # each saved file's name as uploaded

    def drop_unused(self, kept: set[str], skipped: list[tuple[str, str]]) -> None:
        """Remove the files this batch added whose articles ingest kept none of (all of them
        skipped, e.g. an id already taken by another file), and reject them with the reasons."""
        for path in list(self.files):
            if path not in self.new or any(doc in kept for doc in self.ids.get(path, [])):
                continue
            reasons = [why for where, why in skipped if where == str(path) or where.startswith((f"{path}:", f"{path} ["))]
            path.unlink(missing_ok=True)
            self.files.remove(path)
            self.rejected.append((self.names.get(path, path.name), "; ".join(reasons) or "ingest kept none of its articles"))


def upload_dir(corpus_dir: Path) -> Path:
    return Path(corpus_dir) / UPLOADS


def safe_name(name: str) -> str:
    """A plain file name from whatever a browser sent: `../../etc/passwd` -> `passwd`."""
    # Both separators: a name from Windows may use backslashes.
    base = PureWindowsPath(PurePosixPath(str(name).replace("\x00", "")).name).name
    base = _UNSAFE.sub("_", base).strip(" .")
    if len(base) > _MAX_NAME:
        # Shorten the stem, never the extension ingest reads the file by.
        suffix = next((s for s in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True) if base.lower().endswith(s)), "")
        base = base[: _MAX_NAME - len(suffix)] + base[len(base) - len(suffix) :]
    return base


def save_uploads(files: list[str | Path], corpus_dir: Path, max_bytes: int, names: list[str] | None = None, limits: Limits | None = None) -> Saved:
    """Copy uploaded files into `<corpus_dir>/uploads/`; every file is saved or rejected with a reason.

    `names` are the names the user gave (defaults to each file's own name: never a
    temporary file's, which would tell the client where the server keeps its files).
    Each file is read first with `limits` (default: only `max_bytes` for one article).
    """
    target_dir = upload_dir(corpus_dir)
    limits = limits or Limits(article=max_bytes)
    out = Saved()
    for i, file in enumerate(files):
        given = names[i] if names is not None and i < len(names) and names[i] is not None else Path(file).name
        name = safe_name(given)
        if not name:
            out.rejected.append((given, "the upload has no file name" if not str(given).strip() else "the file name has no usable characters"))
            continue
        if not supported(name):
            out.rejected.append((given, f"unsupported file type; upload one of {', '.join(SUPPORTED_SUFFIXES)}"))
            continue
        try:
            size = os.path.getsize(file)
        except OSError as exc:
            out.rejected.append((given, f"cannot read the uploaded file: {exc.strerror or exc}"))
            continue
        if size == 0:
            out.rejected.append((given, "the file is empty"))
            continue
        if size > max_bytes:
            out.rejected.append((given, f"the file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB"))
            continue
        target = target_dir / name
        # safe_name already removed separators; this check keeps it that way if it ever changes.
        if Path(os.path.abspath(target)).parent != Path(os.path.abspath(target_dir)):
            out.rejected.append((given, "the file name points outside the upload folder"))
            continue
        items = list(read_file(Path(file), Path(corpus_dir), limits=limits, as_path=target))
        ids = [item.doc_id for item in items if isinstance(item, Article)]
        if not ids:
            reasons = "; ".join(f"{_where(item.where, (str(file), str(target)))}{item.reason}" for item in items if isinstance(item, Skip))
            out.rejected.append((given, reasons or "no article in it"))
            continue
        existed = target.exists()
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=target_dir)
            os.close(fd)
            try:
                shutil.copyfile(file, tmp)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as exc:
            out.rejected.append((given, f"could not be saved: {exc.strerror or exc}"))
            continue
        out.files.append(target)
        out.ids[target] = ids
        out.names[target] = given
        if not existed:
            out.new.add(target)
    return out


def _where(where: str, names: tuple[str, ...]) -> str:
    """A skip's place within the file (`line 3` for a line, `[2]` for a record), or ""."""
    rest = next((where[len(n) :] for n in names if where.startswith(n)), "").strip(" :")
    return "" if not rest else f"line {rest}: " if rest.isdigit() else f"{rest}: "
