"""The OpenAPI description: structurally valid 3.1, complete, and every $ref resolves."""

from __future__ import annotations

import re
from typing import Any

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture()
def doc(client) -> dict[str, Any]:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    return resp.get_json()


def resolve(doc: dict[str, Any], ref: str) -> Any:
    """Follow a local JSON pointer ('#/a/b'); KeyError if it points nowhere."""
    assert ref.startswith("#/"), f"non-local $ref {ref}"
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part] if isinstance(node, dict) else node[int(part)]
    return node


def refs(node: Any, where: str = "#") -> list[tuple[str, str]]:
    """Every ($ref, location) pair anywhere in the document."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append((value, where))
            else:
                found.extend(refs(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(refs(value, f"{where}/{i}"))
    return found


def test_resolver_catches_a_dangling_ref():
    doc = {"components": {"schemas": {"A": {"type": "object"}}}}
    assert resolve(doc, "#/components/schemas/A") == {"type": "object"}
    with pytest.raises(KeyError):
        resolve(doc, "#/components/schemas/Missing")


def test_top_level_structure(doc):
    assert doc["openapi"].startswith("3.1.")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["paths"]
    bearer = doc["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    assert "cap:write" in bearer["description"]  # the scopes are listed


def test_every_ref_resolves(doc):
    all_refs = refs(doc)
    assert len(all_refs) > 20  # the document really uses references
    for ref, where in all_refs:
        try:
            target = resolve(doc, ref)
        except (KeyError, IndexError, ValueError):
            pytest.fail(f"{where}: $ref {ref} does not resolve")
        assert isinstance(target, dict), (where, ref)


def test_every_api_route_is_described(app, doc):
    described = {
        (path, method.upper())
        for path, item in doc["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method))
    assert routes == described
    for path, method in {
        ("/api/v1/tokens", "GET"),
        ("/api/v1/tokens", "POST"),
        ("/api/v1/tokens/{token_id}", "DELETE"),
        ("/api/v1/audit", "GET"),
        ("/api/v1/users/{user_id}", "PATCH"),
        ("/api/v1/areas", "GET"),
        ("/api/v1/openapi.json", "GET"),
    }:
        assert (path, method) in described


def test_operations_are_well_formed(doc):
    operation_ids = []
    for path, item in doc["paths"].items():
        path_params = set(re.findall(r"{(\w+)}", path))
        for method, op in item.items():
            assert method in HTTP_METHODS, (path, method)
            operation_ids.append(op["operationId"])
            assert op["summary"] and op["tags"]
            assert op["responses"], (path, method)
            for status, response in op["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d|default", status), (path, status)
                assert "$ref" in response or "description" in response
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == path_params, (path, method)
            for param in op.get("parameters", []):
                assert param["in"] in {"path", "query", "header", "cookie"}
                assert "schema" in param
                if param["in"] == "path":
                    assert param["required"] is True
            names = [(p["name"], p["in"]) for p in op.get("parameters", [])]
            assert len(names) == len(set(names)), (path, method)
            if "requestBody" in op:
                assert "application/json" in op["requestBody"]["content"]
            if op.get("security"):
                assert "401" in op["responses"] and "403" in op["responses"]
    assert len(operation_ids) == len(set(operation_ids))


def test_public_and_protected_operations(doc):
    assert "security" not in doc["paths"]["/api/v1/openapi.json"]["get"]
    # OpenAPI 3.1: the roles of a bearer requirement name the token scope the operation needs.
    assert doc["paths"]["/api/v1/tokens"]["post"]["security"] == [{"bearer": ["tokens:write"]}]


def test_query_parameters_come_from_the_models(doc):
    params = {p["name"]: p for p in doc["paths"]["/api/v1/audit"]["get"]["parameters"]}
    assert set(params) == {
        "action",
        "actor",
        "object_type",
        "area",
        "since",
        "until",
        "limit",
        "offset",
    }
    export = doc["paths"]["/api/v1/audit/export"]["get"]
    assert export["x-token-scope"] == "audit:read"
    assert {p["name"]: p for p in export["parameters"]}["format"]["schema"]["enum"] == [
        "csv",
        "xlsx",
    ]
    assert params["limit"]["schema"]["maximum"] == 500
    assert params["since"]["schema"] == {"type": "string", "format": "date-time"}
    area_params = {p["name"] for p in doc["paths"]["/api/v1/areas"]["get"]["parameters"]}
    assert area_params == {"parent", "q"}


def test_token_secret_only_in_the_creation_response(doc):
    schemas = doc["components"]["schemas"]
    assert "token" in schemas["TokenCreated"]["properties"]
    assert "token" not in schemas["TokenOut"]["properties"]
    assert "password_hash" not in schemas["UserOut"]["properties"]


def test_validates_with_openapi_spec_validator(doc):
    """Runs once openapi-spec-validator is installed (not a dependency of the project)."""
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(doc)
