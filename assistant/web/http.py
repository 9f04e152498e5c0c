"""What every HTTP face shares: the login check, status codes for the assistant's errors,
JSON error bodies, and the request size limit."""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import deque
from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel
from starlette.routing import Match

from assistant import errors
from assistant.errors import AssistantError
from assistant.settings import ServingSettings

# The user's mistakes are 4xx; what the operator must fix (build the index, start the
# Chroma server, install the model) is 503, with the same message the CLI prints.
_STATUS: list[tuple[type[AssistantError], int]] = [
    (errors.InvalidQuestion, 400),
    (errors.InvalidDate, 400),
    (errors.CorpusError, 400),
    (errors.UnknownArticle, 404),
    (errors.IndexBusy, 409),
    (errors.RequestTooLarge, 413),
    (errors.IndexNotBuilt, 503),
    (errors.IndexMismatch, 503),
    (errors.IndexCorrupt, 503),
    (errors.ModelMissing, 503),
    (errors.StoreUnavailable, 503),
]


def status_for(exc: AssistantError) -> int:
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: int


class ErrorBody(BaseModel):
    """Every error of the HTTP faces: `{"error": {"message", "type", "code"}}`, the shape
    OpenAI clients read too."""

    error: ErrorDetail


# An absolute path's folders; not this API's own routes (`/api/...`, `/v1/...`), nor URLs.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/(?!(?:api|v1)/)(?:[^\s/'\"()\[\],;]+/)+")


def without_server_paths(text: str) -> str:
    """`text` with the folders of absolute paths left out (`/srv/app/corpus/uploads/a.json` ->
    `a.json`): a client learns which file, never where the server keeps it. URLs are kept."""
    return _ABSOLUTE_PATH.sub("", text)


def error_content(status: int, message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": without_server_paths(message), "type": kind, "code": status}}


def documented_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each error status with the error body's schema."""
    return {code: {"model": ErrorBody} for code in codes}


class FailedLogins:
    """Failed logins per client address over a sliding window: past `max_failures` within
    `window` seconds, the client is refused (429) until its oldest failure leaves the window,
    whatever it sends; a right password does not clear the count early."""

    def __init__(self, max_failures: int, window: float) -> None:
        self.max_failures, self.window = max_failures, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, client: str) -> float:
        """Seconds until `client` may try again (0: it may now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if not times:
                self._failures.pop(client, None)
            return max(0.0, self.window - (now - times[0])) if len(times) >= self.max_failures else 0.0

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            times.append(now)
            self._failures[client] = times

    def refusal(self, client: str) -> HTTPException | None:
        wait = self.retry_after(client)
        if not wait:
            return None
        return HTTPException(
            status_code=429,
            detail=f"Too many failed logins from this address ({self.max_failures} within {self.window:g} s); try again in {wait:.0f} s.",
            headers={"Retry-After": str(max(1, round(wait)))},
        )


_LIMITERS: dict[tuple, FailedLogins] = {}


def failed_logins(settings: ServingSettings) -> FailedLogins:
    """The one failed-login count of a server's settings, shared by every face that checks the password."""
    key = (settings.auth.get_secret_value() if settings.auth else None, settings.login_max_failures, settings.login_window_seconds)
    return _LIMITERS.setdefault(key, FailedLogins(settings.login_max_failures, settings.login_window_seconds))


def client_of(scope_or_request: Any) -> str:
    client = scope_or_request.get("client") if isinstance(scope_or_request, dict) else scope_or_request.client
    return str(client[0] if client else "unknown")


def auth_check(settings: ServingSettings):
    """A FastAPI dependency: with `ASSISTANT_AUTH` (user:password) set, a request must carry
    HTTP basic credentials or the password as a bearer token. A client that fails
    `login_max_failures` times within `login_window_seconds` gets 429 for a while."""
    secret = settings.auth.get_secret_value() if settings.auth is not None else None
    limiter = failed_logins(settings)

    def check(request: Request) -> None:
        if secret is None:
            return
        client = client_of(request)
        refused = limiter.refusal(client)
        if refused is not None:
            raise refused
        user, _, password = secret.partition(":")
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secrets.compare_digest(value.strip().encode(), password.encode()):
            return
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True)
            except ValueError:
                decoded = b""
            if secrets.compare_digest(decoded, f"{user}:{password}".encode()):
                return
        if scheme:  # a wrong password, not a client that did not know one was needed
            limiter.failed(client)
        raise HTTPException(
            status_code=401,
            detail="This assistant needs its password: send `Authorization: Bearer <password>` or HTTP basic credentials.",
            headers={"WWW-Authenticate": 'Basic realm="news-assistant"'},
        )

    return check


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ApiFallback:
    """ASGI middleware: a request under one of `prefixes` that none of `routes` takes gets a
    JSON 405 (with `Allow`) when the path exists for other methods, else a JSON 404."""

    def __init__(self, app, routes: list, prefixes: tuple[str, ...]) -> None:
        self.app, self.routes, self.prefixes = app, routes, prefixes

    def _takes(self, scope) -> bool:
        return any(route.matches(scope)[0] == Match.FULL for route in self.routes)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes) or self._takes(scope):
            await self.app(scope, receive, send)
            return
        allowed = [m for m in _METHODS if self._takes({**scope, "method": m})]
        if allowed:
            status, headers = 405, [(b"allow", ", ".join(allowed).encode())]
            content = error_content(405, f"{scope['method']} is not allowed on {scope['path']}; use {', '.join(allowed)}.", "MethodNotAllowed")
        else:
            status, headers = 404, []
            content = error_content(404, f"There is no {scope['path']} in this API; see /docs.", "NotFound")
        await _send_json(send, status, content, headers)


async def _send_json(send, status: int, content: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(content).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` under one of `prefixes` gets 413
    before the route reads it, whether it announced its length or streams it."""

    def __init__(self, app, max_bytes: int, prefixes: tuple[str, ...]) -> None:
        self.app, self.max_bytes, self.prefixes = app, max_bytes, prefixes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(send)
            return
        seen = 0
        started = False

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracked_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if started:
                raise
            await self._too_large(send)

    async def _too_large(self, send) -> None:
        message = f"The request is larger than the {self.max_bytes / 1e6:g} MB this assistant accepts."
        await _send_json(send, 413, error_content(413, message, "RequestTooLarge"))


class _TooLarge(HTTPException):
    # An HTTPException, so that FastAPI passes it on while it reads a body instead of
    # turning it into "error parsing the body"; the error handlers give it the usual shape.
    def __init__(self) -> None:
        super().__init__(status_code=413, detail="The request is too large.")


class LoginThrottle:
    """ASGI middleware for the chat's login form (`POST /login`): a refused login counts as a
    failure of its client, and a client over the limit gets 429 before its password is looked at."""

    def __init__(self, app, limiter: FailedLogins, path: str = "/login") -> None:
        self.app, self.limiter, self.path = app, limiter, path

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        client = client_of(scope)
        refused = self.limiter.refusal(client)
        if refused is not None:
            headers = [(k.lower().encode(), v.encode()) for k, v in (refused.headers or {}).items()]
            await _send_json(send, 429, error_content(429, str(refused.detail), "TooManyFailedLogins"), headers)
            return

        async def watched(message):
            if message["type"] == "http.response.start" and message["status"] in (400, 401, 403):
                self.limiter.failed(client)
            await send(message)

        await self.app(scope, receive, watched)


def protect_docs(app, settings: ServingSettings) -> None:
    """The OpenAPI document and its two viewers (/openapi.json, /docs, /redoc) behind the same
    login as the API. The app must be made with `docs_url=None, redoc_url=None, openapi_url=None`."""
    from fastapi import Depends
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.responses import JSONResponse

    guarded = [Depends(auth_check(settings))]

    @app.get("/openapi.json", dependencies=guarded, include_in_schema=False)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", dependencies=guarded, include_in_schema=False)
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - API")

    @app.get("/redoc", dependencies=guarded, include_in_schema=False)
    def redoc():
        return get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} - API")
