"""The OpenAPI 3.1 description, assembled from the registered operations and pydantic models."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from signage.accounts.scopes import SCOPES
from signage.http.api import OPERATIONS, SCHEMAS, api_blueprint, operations

bp = api_blueprint("meta")
operation = operations(bp)


def document(version: str) -> dict[str, Any]:
    """Build the OpenAPI document for every registered operation (version: the server's)."""
    paths: dict[str, dict[str, Any]] = {}
    for (path, method), op in sorted(OPERATIONS.items()):
        paths.setdefault(f"/api/v1{path}", {})[method] = op
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {"type": "array", "items": {"type": "object"}},
                    },
                }
            },
        }
    }
    for name, model in sorted(SCHEMAS.items()):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in schema.pop("$defs", {}).items():
            schemas[def_name] = definition
        schemas[name] = schema
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Signage server API",
            "version": version,
            "description": "Content server for public electronic bulletin boards.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (sgn_...). A token may be limited to "
                    "scopes; each operation's security requirement names the one it needs, on "
                    "top of the owner's role in the area:\n\n"
                    + "\n".join(f"- `{key}`: {label}" for key, label in SCOPES.items()),
                }
            },
            "responses": {
                "Error": {
                    "description": "An error",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
        },
    }


@operation("/openapi.json", "GET", summary="This OpenAPI description", tag="meta", public=True)
def openapi_json() -> ResponseReturnValue:
    """This document: every endpoint of /api/v1, generated from the code."""
    return jsonify(document(current_app.config["SIGNAGE_VERSION"]))
