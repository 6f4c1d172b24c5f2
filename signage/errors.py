"""Domain exceptions, and the one place that maps them to HTTP statuses, JSON and HTML."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of every error a user can cause; carries a code, a translated message and a status."""

    status = 400
    code = "bad_request"
    default_message: Any = _l("The request could not be processed.")

    def __init__(self, message: Any = None, *, details: list[dict[str, Any]] | None = None):
        self.message = message if message is not None else self.default_message
        self.details = details or []
        # Kept lazy: rendering here would need a request to pick the language from.
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """Input that breaks a rule; details list each field and its problem."""

    status = 422
    code = "validation_failed"
    default_message = _l("Some fields are not valid.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("The requested item does not exist.")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You do not have permission to do this.")


class AuthenticationRequired(DomainError):
    status = 401
    code = "unauthenticated"
    default_message = _l("Please sign in or provide a valid API token.")


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"
    default_message = _l("Wrong username or password.")


class SignInThrottled(DomainError):
    """Too many failed sign-ins for this name or address: wait, then try again."""

    status = 429
    code = "sign_in_throttled"
    default_message = _l("Too many failed sign-ins. Wait a moment and try again.")

    def __init__(self, *, seconds: int) -> None:
        super().__init__(
            _l("Too many failed sign-ins. Wait %(seconds)d seconds and try again.", seconds=seconds)
        )
        self.retry_after = seconds


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("This conflicts with existing data.")


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, code: str, message: Any, details: list | None = None) -> Response:
    """Answer an error as JSON ({"error": {code, message}}) or as an HTML page; roll back."""
    g.db_rollback = True
    if _wants_json():
        body: dict[str, Any] = {"code": code, "message": str(message)}
        if details:
            body["details"] = [{k: str(v) for k, v in d.items()} for d in details]
        resp = jsonify({"error": body})
    else:
        try:
            page = render_template(
                "error.html", status=status, code=code, message=message, details=details or []
            )
        except Exception:
            log.exception("error page failed to render")
            page = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
        resp = Response(page)
    resp.status_code = status
    return resp


_HTTP_MESSAGES: dict[int, Any] = {
    400: _l("The request was malformed."),
    401: _l("Please sign in or provide a valid API token."),
    403: _l("You do not have permission to do this."),
    404: _l("The page or item you asked for does not exist."),
    405: _l("This method is not allowed here."),
    413: _l("The upload or request body is too large."),
    415: _l("This content type is not supported."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on the server. The error was logged."),
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
}


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        resp = error_response(exc.status, exc.code, exc.message, exc.details)
        if exc.status == 401 and request.path.startswith("/api/"):
            resp.headers["WWW-Authenticate"] = 'Bearer realm="signage"'
        scope = getattr(exc, "scope", None)
        if scope:  # RFC 6750: a valid token that lacks the scope this request needs
            resp.headers["WWW-Authenticate"] = (
                f'Bearer realm="signage", error="insufficient_scope", scope="{scope}"'
            )
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            resp.headers["Retry-After"] = str(retry_after)
        return resp

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Response:
        return error_response(
            400, "csrf_failed", _l("The form expired or was not sent from this site. Reload it.")
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = _HTTP_MESSAGES.get(status, exc.description)
        resp = error_response(status, _HTTP_CODES.get(status, "http_error"), message)
        # Keep the headers that tell a client what to do next (allowed methods, when to retry).
        original = exc.get_response()
        for header in ("Allow", "Retry-After"):
            if header in original.headers:
                resp.headers[header] = original.headers[header]
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", _HTTP_MESSAGES[500])
