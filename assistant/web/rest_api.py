"""The assistant as a REST API under `/api`, described by the app's OpenAPI document
(`/openapi.json`, browsable at `/docs`): answer, retrieve, ingest, articles, changes, stats, health.

Every route is a thin shell over `Assistant`: the same checks, the same messages as the
CLI (as JSON errors with a fitting status), the same answer data as `Answer.to_dict()`.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures at run time,
# and their limits refer to this function's settings.
import os
import tempfile
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from assistant.errors import CorpusError, RequestTooLarge
from assistant.ingest import SUPPORTED_SUFFIXES, Limits
from assistant.pipeline import Assistant
from assistant.types import ArticleDetail, ArticleInfo, IngestReport, VersionChanges
from assistant.web.http import auth_check, documented_errors, without_server_paths
from assistant.web.payloads import AnswerOut, PassagesOut, QuestionBody, answer_out, check_request
from assistant.web.uploads import save_uploads

_READ_BLOCK = 1 << 20


class IngestOut(BaseModel):
    report: IngestReport
    rejected: list[tuple[str, str]] = Field(description="Uploaded files not saved: (name as uploaded, reason).")


class ArticlesOut(BaseModel):
    total: int = Field(description="Articles matching, before paging.")
    offset: int
    articles: list[ArticleInfo]


class HealthOut(BaseModel):
    status: str
    index_built: bool
    backend: str


def rest_router(assistant: Assistant, slots: threading.BoundedSemaphore) -> APIRouter:
    """The `/api` routes over `assistant`, sharing its index, its model and the `slots` that
    bound how many answers are made at once with the chat and the OpenAI-compatible API."""
    settings = assistant.settings
    guarded = [Depends(auth_check(settings))]
    router = APIRouter(prefix="/api", tags=["assistant"])
    max_file = int(settings.max_upload_mb * 1_000_000)

    @router.get("/health", summary="Is the service up (no login needed)")
    def health() -> HealthOut:
        return HealthOut(status="ok", index_built=assistant.store.exists(), backend=settings.llm)

    @router.get("/stats", dependencies=guarded, responses=documented_errors(401, 503), summary="What the index holds")
    def stats() -> dict[str, Any]:
        info = assistant.stats()
        # Where the server keeps its index is not the client's business (a Chroma URL is kept).
        return {**info, "store": without_server_paths(str(info.get("store", "")))}

    @router.post("/answer", dependencies=guarded, responses=documented_errors(400, 401, 413, 503), summary="Answer a question, citing the articles")
    def answer(body: QuestionBody) -> AnswerOut:
        check_request(settings, body.question, body.history, body.as_of, body.since, body.until, body.sources)
        with slots:
            result = assistant.answer(body.question, history=body.history, as_of=body.as_of, since=body.since, until=body.until, k=body.k, sources=body.sources)
        return answer_out(result, assistant.templates)

    @router.post("/retrieve", dependencies=guarded, responses=documented_errors(400, 401, 413, 503), summary="The passages an answer would draw on")
    def retrieve(body: QuestionBody) -> PassagesOut:
        check_request(settings, body.question, body.history, body.as_of, body.since, body.until, body.sources)
        with slots:
            passages = assistant.retrieve(
                body.question, history=body.history, as_of=body.as_of, since=body.since, until=body.until, k=body.k, sources=body.sources
            )
        return PassagesOut(passages=passages)

    @router.post(
        "/ingest",
        dependencies=guarded,
        responses=documented_errors(400, 401, 409, 413, 503),
        summary=f"Upload articles ({', '.join(SUPPORTED_SUFFIXES)}) into the corpus folder and index them",
    )
    async def ingest(files: Annotated[list[UploadFile], File(description="Article files; saved under the corpus folder's uploads/.")]) -> IngestOut:
        spooled: list[tuple[str, str]] = []  # (temporary path, name as uploaded)
        try:
            for upload in files:
                spooled.append((await _spool(upload, max_file), upload.filename or ""))
            saved = await run_in_threadpool(
                save_uploads, [p for p, _ in spooled], settings.corpus_dir, max_file, names=[n for _, n in spooled], limits=Limits.of(settings)
            )
        finally:
            for path, _ in spooled:
                os.unlink(path)
        if not saved.files:
            reasons = "; ".join(f"{name or '(no name)'}: {why}" for name, why in saved.rejected) or "no files were sent"
            raise CorpusError(f"Nothing was saved ({reasons}).")
        try:
            report = await run_in_threadpool(assistant.ingest, saved.files, progress=False, root=settings.corpus_dir, wait=False)
        except BaseException:
            saved.drop_unused(set(), [])
            raise
        # A file whose every article ingest skipped is not left to be re-read by every ingest.
        saved.drop_unused(set(report.added) | set(report.updated) | set(report.unchanged), report.skipped)
        report.skipped = [(without_server_paths(where), without_server_paths(why)) for where, why in report.skipped]
        rejected = [(name, without_server_paths(why)) for name, why in saved.rejected]
        return IngestOut(report=report, rejected=rejected)

    @router.get("/articles", dependencies=guarded, responses=documented_errors(400, 401, 503), summary="The indexed articles, newest first")
    def articles(
        source: Annotated[str | None, Query(description="Only this outlet's articles.")] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=settings.max_page)] = settings.max_page,
    ) -> ArticlesOut:
        everything = assistant.articles(source=source)
        return ArticlesOut(total=len(everything), offset=offset, articles=everything[offset : offset + limit])

    @router.get("/articles/{doc_id:path}", dependencies=guarded, responses=documented_errors(401, 404, 503), summary="One article: text and story versions")
    def article(doc_id: str) -> ArticleDetail:
        return assistant.article(doc_id)

    @router.get(
        "/changes/{doc_id:path}",
        dependencies=guarded,
        responses=documented_errors(400, 401, 404, 503),
        summary="What changed between the versions of an article's story, each side cited",
    )
    def changes(
        doc_id: str,
        against: Annotated[str | None, Query(description="Compare with this other version only.")] = None,
        since: Annotated[str | None, Query(description="Compare the version current on this date with the newest.")] = None,
    ) -> list[VersionChanges]:
        return assistant.changes(doc_id, against=against, since=since)

    return router


async def _spool(upload: UploadFile, max_bytes: int) -> str:
    """The upload in a temporary file; one over `max_bytes` stops the request with 413
    before anything reaches the corpus folder."""
    fd, path = tempfile.mkstemp(prefix=".api-upload-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while block := await upload.read(_READ_BLOCK):
                size += len(block)
                if size > max_bytes:
                    raise RequestTooLarge(
                        f"{without_server_paths(upload.filename or '') or 'A file'} is over the {max_bytes / 1e6:g} MB limit for one article file; nothing was saved."
                    )
                out.write(block)
    except BaseException:
        os.unlink(path)
        raise
    return path
