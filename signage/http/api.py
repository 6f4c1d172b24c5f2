"""What every API endpoint shares: authentication, JSON and query parsing, OpenAPI registration."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial, wraps
from typing import Annotated, Any, TypeVar

from flask import Blueprint, Flask, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, validate_csrf
from pydantic import AfterValidator, AwareDatetime, BaseModel
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import ErrorDetails
from wtforms.validators import ValidationError as WTFValidationError

from signage import clock
from signage.accounts import scopes as token_scopes
from signage.accounts.auth import csrf
from signage.accounts.token_use import note_use
from signage.accounts.tokens import authenticate_api_token, scopes_of
from signage.audit.services import Actor
from signage.db import db
from signage.errors import AuthenticationRequired, DomainError, NotFound, ValidationFailed
from signage.http.export import XLSX_TYPE

F = TypeVar("F", bound=Callable[..., Any])

# The parent blueprint: every domain's API blueprint nests under it, so endpoints read
# "api.<domain>.<view>" and URLs start with /api/v1.
API = "api"
API_PREFIX = "/api/v1"
# Bearer secrets that are not API tokens, by prefix: (session, secret) -> the client object,
# kept in g.board. Registered by the package that owns the kind (boards' init_app: players).
TOKEN_KINDS: dict[str, Callable[[Any, str], Any]] = {}

# OpenAPI operations registered by the `operation` decorator: (path, method) -> operation.
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {}
# The scope each API endpoint requires of a token (ANY_TOKEN: none; public ones: absent).
ENDPOINT_SCOPES: dict[str, str] = {}
PUBLIC_ENDPOINTS: set[str] = set()
SCHEMAS: dict[str, type[BaseModel]] = {}

# Ids are INTEGER columns; larger path ids cannot exist (and overflow SQLite's driver).
MAX_ID = 2**31 - 1
# C0 control characters other than tab, newline and carriage return, and lone surrogates:
# PostgreSQL refuses NUL in text and no backend can store a lone surrogate.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_RULE_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
# Query parameters every endpoint accepts (the language of messages, read by signage.i18n).
_COMMON_QUERY = {"lang"}


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    default_message = _l("Send the body as JSON with the header 'Content-Type: application/json'.")


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    default_message = _l("The request body is too large.")


class MalformedBody(DomainError):
    status = 400
    code = "invalid_json"
    default_message = _l("The body is not valid JSON.")


class CsrfFailed(DomainError):
    status = 400
    code = "csrf_failed"
    default_message = _l(
        "Missing or invalid X-CSRFToken header: send the CSRF token of the console page, "
        "or use an API token instead of the session cookie."
    )


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(_l("The date is out of range.")) from None


# An ISO 8601 date-time that must carry its UTC offset; converted to UTC.
UtcDateTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


def _authenticate(players: bool = False) -> None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationRequired(_l("Use the header 'Authorization: Bearer <token>'."))
        kind = _token_kind(secret.strip()) if players else None
        if kind is not None:
            # A player's board token: endpoints marked `players` check g.board themselves.
            g.user, g.board = None, kind(db.session, secret.strip())
            return
        token = authenticate_api_token(db.session, secret.strip(), now=clock.now(), used=note_use)
        g.user, g.token_scopes = token.user, scopes_of(token)
        return
    if g.get("user") is None:
        raise AuthenticationRequired()
    # A console session calling the API: state changes need the CSRF header.
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (CSRFError, WTFValidationError) as exc:
            raise CsrfFailed() from exc


def _token_kind(secret: str) -> Callable[[Any, str], Any] | None:
    for prefix, authenticate in TOKEN_KINDS.items():
        if secret.startswith(prefix):
            return authenticate
    return None


def register_token_kind(prefix: str, authenticate: Callable[[Any, str], Any]) -> None:
    """Let `players` operations accept Bearer secrets starting with prefix, authenticated by
    authenticate(session, secret) (which raises if it is not valid)."""
    TOKEN_KINDS[prefix] = authenticate


def api_blueprint(name: str) -> Blueprint:
    """A domain's API blueprint; `register_api` nests it under /api/v1 as "api.<name>"."""
    return Blueprint(name, __name__)


def register_api(app: Flask, blueprints: list[Blueprint]) -> None:
    """Register the parent API blueprint with every domain's blueprint nested under it.

    The parent is made per app (a registered blueprint cannot take children any more); it has
    no routes of its own. CSRF is checked per request by the API's own auth (`_authenticate`);
    Flask-WTF looks up a request's innermost blueprint, so the children are the ones exempted."""
    parent = Blueprint(API, __name__, url_prefix=API_PREFIX)
    for child in blueprints:
        parent.register_blueprint(child)
        csrf.exempt(child)
    app.register_blueprint(parent)


def _check_scope(scope: str) -> None:
    """Refuse a token that lacks `scope`; sessions and full tokens pass."""
    held = g.get("token_scopes")
    if held is not None and scope != token_scopes.ANY_TOKEN and scope not in held:
        raise token_scopes.ScopeMissing(scope)


def caller_scopes() -> frozenset[str] | None:
    """The scopes of the token authenticating this request; None for a session or full token."""
    held: frozenset[str] | None = g.get("token_scopes")
    return held


def board_client() -> Any:
    """The Board whose player token authenticated this request, or None for a user."""
    return g.get("board")


def actor() -> Actor:
    """The Actor of this API request."""
    return Actor(g.get("user"), request.remote_addr or "")


def _has_bad_chars(data: Any) -> bool:
    """True if any key or string anywhere in parsed JSON holds a forbidden character."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _BAD_CHARS.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _message(err: ErrorDetails, where: str) -> Any:
    """A translatable, actionable message for one pydantic error."""
    kind, ctx = err["type"], err.get("ctx") or {}
    simple = {
        "missing": _l("This field is required."),
        "int_parsing": _l("Must be a whole number."),
        "int_type": _l("Must be a whole number."),
        "int_from_float": _l("Must be a whole number."),
        "bool_type": _l("Must be true or false."),
        "bool_parsing": _l("Must be true or false."),
        "string_type": _l("Must be text."),
        "list_type": _l("Must be a list."),
        "model_type": _l("Must be a JSON object."),
        "dict_type": _l("Must be a JSON object."),
        "model_attributes_type": _l("Must be a JSON object."),
        "timezone_aware": _l("Include the UTC offset, e.g. 2025-07-01T08:00:00+07:00."),
    }
    if kind in simple:
        return simple[kind]
    if kind == "extra_forbidden":
        if where == "query":
            return _l("Unknown parameter; check the spelling against the API description.")
        return _l("Unknown field; check the spelling against the API description.")
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return _l("Must not be empty.")
        return _l("At least %(n)s characters.", n=ctx.get("min_length"))
    if kind == "string_too_long":
        return _l("At most %(n)s characters.", n=ctx.get("max_length"))
    if kind == "too_long":
        return _l("At most %(n)s items.", n=ctx.get("max_length"))
    if kind == "literal_error":
        return _l("Choose one of: %(choices)s.", choices=ctx.get("expected", ""))
    if kind == "greater_than_equal":
        return _l("Must be at least %(n)s.", n=ctx.get("ge"))
    if kind == "less_than_equal":
        return _l("Must be at most %(n)s.", n=ctx.get("le"))
    if kind.startswith("datetime"):
        return _l("Use an ISO 8601 date and time with offset, e.g. 2025-07-01T08:00:00+07:00.")
    if kind == "value_error" and isinstance(ctx.get("error"), ValueError):
        return ctx["error"].args[0]
    return err["msg"]


def _details(exc: PydanticValidationError, where: str) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or where
        details.append({"field": field, "message": _message(err, where)})
    return details


def json_body(model: type[BaseModel]) -> Any:
    """Parse and validate the JSON body with a pydantic model, or raise a clear error."""
    limit = current_app.config["SIGNAGE"].max_json_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(_l("The body is larger than %(n)s bytes.", n=limit))
    if not request.is_json:
        raise UnsupportedMediaType()
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise PayloadTooLarge(_l("The body is larger than %(n)s bytes.", n=limit))
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, RecursionError):
        raise MalformedBody() from None
    except json.JSONDecodeError as exc:
        raise MalformedBody(
            _l(
                "The body is not valid JSON (line %(line)s, column %(col)s).",
                line=exc.lineno,
                col=exc.colno,
            )
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed(
            details=[{"field": "body", "message": _l("The body must be a JSON object {...}.")}]
        )
    if _has_bad_chars(data):
        raise ValidationFailed(_l("Text must not contain control characters such as NUL."))
    try:
        return model.model_validate_json(raw)
    except PydanticValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            raise MalformedBody() from None
        raise ValidationFailed(details=_details(exc, "body")) from None


def query_args(model: type[BaseModel]) -> Any:
    """Validate the query string with a pydantic model; empty values count as not given."""
    data: dict[str, str] = {}
    details: list[dict[str, Any]] = []
    for key in request.args:
        if key in _COMMON_QUERY:
            continue
        values = request.args.getlist(key)
        if len(values) > 1:
            details.append({"field": key, "message": _l("Give this parameter only once.")})
        elif _BAD_CHARS.search(key + values[0]):
            details.append({"field": key, "message": _l("Must not contain control characters.")})
        elif values[0] != "":
            data[key] = values[0]
    if details:
        raise ValidationFailed(details=details)
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(details=_details(exc, "query")) from None


def _check_path_args(kwargs: dict[str, Any]) -> None:
    for value in kwargs.values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise NotFound()
        if isinstance(value, str) and _BAD_CHARS.search(value):
            raise NotFound()


def _error_ref() -> dict[str, str]:
    return {"$ref": "#/components/responses/Error"}


def _schema_ref(model: type[BaseModel]) -> dict[str, Any]:
    known = SCHEMAS.setdefault(model.__name__, model)
    if known is not model:
        raise RuntimeError(f"two API models are named {model.__name__}")
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop_schema = {k: v for k, v in prop.items() if k not in ("title", "description")}
        # A query parameter is absent or a value, never null: drop pydantic's Optional wrapper.
        options = [o for o in prop_schema.get("anyOf", []) if o != {"type": "null"}]
        if len(options) == 1 and prop_schema.get("default", 0) is None:
            prop_schema = options[0]
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop_schema,
        }
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


def operation(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    scope: str | None = None,
    public: bool = False,
    players: bool = False,
    params: list[dict[str, Any]] | None = None,
    errors: tuple[int, ...] = (),
    downloads: bool = False,
) -> Callable[[F], F]:
    """Register an API route on a domain's API blueprint (see `api_blueprint`), its
    authentication, token scope and OpenAPI description in one place.

    `scope` (signage.accounts.scopes.SCOPES, or ANY_TOKEN) is what a token needs on top of its
    owner's role; every non-public operation declares one (tests/api/test_scopes.py checks).
    `downloads`: the operation also answers a CSV or XLSX file (its `format` parameter)."""
    if scope is not None and scope != token_scopes.ANY_TOKEN and scope not in token_scopes.SCOPES:
        raise RuntimeError(f"{method} {rule}: unknown scope {scope!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            _check_path_args(kwargs)
            if not public:
                _authenticate(players)
                _check_scope(scope or "")
            return view(*args, **kwargs)

        bp.add_url_rule(rule, view.__name__, wrapped, methods=[method])
        endpoint = f"{API}.{bp.name}.{view.__name__}"
        if public:
            PUBLIC_ENDPOINTS.add(endpoint)
        elif scope is not None:
            ENDPOINT_SCOPES[endpoint] = scope
        path = _RULE_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)
        if (path, method.lower()) in OPERATIONS:
            raise RuntimeError(f"{method} {path} is registered twice")
        op: dict[str, Any] = {
            "summary": summary,
            "tags": [tag],
            "operationId": view.__name__,
            "responses": {str(status): {"description": "OK"}},
        }
        if view.__doc__:
            op["description"] = view.__doc__.strip()
        op["parameters"] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if conv == "int" else "string"},
            }
            for conv, name in _RULE_PARAM.findall(rule)
        ]
        if query is not None:
            op["parameters"] += _query_parameters(query)
        op["parameters"] += params or []
        if body is not None:
            op["requestBody"] = {"required": True, "content": _schema_ref(body)}
        if response is not None:
            op["responses"][str(status)]["content"] = _schema_ref(response)
        if downloads:
            binary = {"schema": {"type": "string", "format": "binary"}}
            op["responses"][str(status)].setdefault("content", {}).update(
                {"text/csv": binary, XLSX_TYPE: binary}
            )
        codes = set(errors)
        if not public:
            # OpenAPI 3.1 lets a non-OAuth scheme list the roles it needs: the token scope.
            needed = [] if scope in (None, token_scopes.ANY_TOKEN) else [scope]
            op["security"] = [{"bearer": needed}]
            op["x-token-scope"] = scope
            note = (
                "Any valid token may call this."
                if scope == token_scopes.ANY_TOKEN
                else f"Token scope: `{scope}`."
            )
            op["description"] = (op.get("description", "") + "\n\n" + note).strip()
            codes |= {401, 403}
        if body is not None:
            codes |= {400, 413, 415, 422}
        if query is not None:
            codes.add(422)
        if op["parameters"] and any(p["in"] == "path" for p in op["parameters"]):
            codes.add(404)
        for code in sorted(codes):
            op["responses"][str(code)] = _error_ref()
        OPERATIONS[(path, method.lower())] = op
        return wrapped  # type: ignore[return-value]

    return decorator


def operations(bp: Blueprint) -> Callable[..., Callable[[F], F]]:
    """`operation` bound to one domain's API blueprint: a module writes
    `operation = operations(bp)` once and decorates with `@operation(rule, method, ...)`."""
    return partial(operation, bp)
