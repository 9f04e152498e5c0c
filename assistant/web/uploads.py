"""Files people upload from the chat page -> the corpus folder, and nowhere else.

Uploaded names are untrusted: only the last path component is kept, odd characters are
replaced, and the target is checked to lie inside `<corpus>/uploads/` before anything is
written. Files are written whole or not at all (copy to a temporary name, then rename).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from assistant.ingest import SUPPORTED_SUFFIXES, supported

UPLOADS = "uploads"
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
_MAX_NAME = 120


@dataclass
class Saved:
    """What became of a batch of uploads."""

    files: list[Path] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name as uploaded, reason)


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


def save_uploads(files: list[str | Path], corpus_dir: Path, max_bytes: int, names: list[str] | None = None) -> Saved:
    """Copy uploaded files into `<corpus_dir>/uploads/`; every file is saved or rejected with a reason.

    `names` are the names the user gave (defaults to each file's own name).
    """
    target_dir = upload_dir(corpus_dir)
    out = Saved()
    for i, file in enumerate(files):
        given = (names[i] if names and i < len(names) else None) or Path(file).name
        name = safe_name(given)
        if not name:
            out.rejected.append((given, "the file name has no usable characters"))
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
    return out
