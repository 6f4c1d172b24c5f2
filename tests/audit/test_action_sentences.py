"""Every action code the code base records has a sentence, in Vietnamese and in English.

The codes are read from the source (AST): the action argument of every `record(...)` call and
of the content workflow's `_audit(...)`; where it is a variable, the values that callers pass
for that parameter and its default. A code recorded without a sentence fails here, naming it."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from flask_babel import force_locale

from signage.audit.models import AuditEntry
from signage.audit.views.objects import Names
from signage.audit.views.sentences import SENTENCES, UNKNOWN_ACTION, sentence

ROOT = Path(__file__).resolve().parents[2] / "signage"
RECORDERS = {"record": 2, "_audit": 2}  # function name -> position of the action argument
CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)?$")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _constants(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _constants(node.body), _constants(node.orelse)
        return None if a is None or b is None else a + b
    return None


def recorded_actions() -> dict[str, list[str]]:
    """Action code -> where it is recorded ('file:line')."""
    found: dict[str, list[str]] = defaultdict(list)
    variables: list[tuple[str, str, str]] = []  # (function, parameter, where)
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in ROOT.rglob("*.py")}
    for path, tree in trees.items():
        if path.parent.name == "audit" and path.name == "services.py":
            continue  # the definition of record itself
        parents = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) not in RECORDERS:
                continue
            where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
            pos = RECORDERS[_name(node.func)]
            arg = node.args[pos] if len(node.args) > pos else None
            assert arg is not None, f"{where}: a record call without its action"
            values = _constants(arg)
            if values is not None:
                for v in values:
                    found[v].append(where)
                continue
            assert isinstance(arg, ast.Name), f"{where}: cannot read the action {ast.unparse(arg)}"
            func = parents.get(node)
            while func is not None and not isinstance(func, ast.FunctionDef):
                func = parents.get(func)
            assert func is not None, where
            variables.append((func.name, arg.id, where))
    for func_name, param, where in variables:
        if func_name == "_audit":
            continue  # its callers are record-like calls themselves (RECORDERS)
        count = 0
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.name == func_name:
                    args = node.args.args + node.args.kwonlyargs
                    defaults = [None] * (len(node.args.args) - len(node.args.defaults))
                    defaults += node.args.defaults + node.args.kw_defaults
                    for a, d in zip(args, defaults, strict=True):
                        if a.arg == param and d is not None:
                            for v in _constants(d) or []:
                                found[v].append(f"{where} (default)")
                                count += 1
                if isinstance(node, ast.Call) and _name(node.func) == func_name:
                    for kw in node.keywords:
                        if kw.arg == param:
                            values = _constants(kw.value)
                            assert values is not None, f"{func_name}({param}=...) is not a constant"
                            for v in values:
                                found[v].append(f"{where} (via {func_name})")
                                count += 1
        assert count, f"{where}: no value found for {func_name}'s {param}"
    return dict(found)


ACTIONS = recorded_actions()


def test_the_scan_finds_the_codes_it_should() -> None:
    for code in ("content.approve", "alert.create", "logout", "user.sessions_ended", "grant.add"):
        assert code in ACTIONS
    assert all(CODE.match(code) for code in ACTIONS), sorted(ACTIONS)
    assert len(ACTIONS) >= 50


def test_every_recorded_action_has_a_sentence() -> None:
    missing = {code: where for code, where in ACTIONS.items() if code not in SENTENCES}
    assert not missing, f"actions recorded without a sentence in SENTENCES: {missing}"


def _entry(action: str) -> AuditEntry:
    return AuditEntry(
        id=1,
        actor="someone",
        actor_id=None,
        action=action,
        object_type="board",
        object_id="B-001",
        details={
            "failures": 2,
            "revision": 3,
            "version": 2,
            "created": 1,
            "updated": 2,
            "boards": 4,
            "role": "editor",
            "user": "nva",
            "scopes": "audit:read",
            "fields": ["display_name"],
            "name": "reload",
            "playlist": None,
            "items": [],
            "add": [],
            "remove": [],
            "targets": [],
            "target": "area:00070",
            "size": 2048,
        },
        ip="",
    )


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_action_reads_as_a_sentence(app, lang) -> None:
    with app.test_request_context("/"), force_locale(lang):
        seen: dict[str, str] = {}
        for code in sorted(set(ACTIONS) | {k for k in SENTENCES if "/" not in k}):
            text = sentence(_entry(code), Names()).sentence
            assert code not in text and "%(" not in text, (code, text)
            assert text.strip() and text != str(UNKNOWN_ACTION), code
            seen[code] = text
        if lang == "vi":
            assert seen["content.approve"] == "someone đã phê duyệt bảng tin đã xóa «reload»"
            assert seen["login.succeeded"] == "«someone» đã đăng nhập"
        else:
            assert seen["content.approve"] == "someone approved deleted board «reload»"


def test_sentences_differ_between_languages(app) -> None:
    def texts(lang: str) -> dict[str, str]:
        with app.test_request_context("/"), force_locale(lang):
            return {code: sentence(_entry(code), Names()).sentence for code in SENTENCES}

    vi, en = texts("vi"), texts("en")
    same = [code for code in SENTENCES if vi[code] == en[code]]
    assert not same, f"sentences without a Vietnamese translation: {same}"


def test_the_content_history_labels_every_content_action() -> None:
    from signage.http.labels import ACTION_LABELS

    content = {code for code in ACTIONS if code.startswith("content.")}
    assert content and content <= set(ACTION_LABELS), content - set(ACTION_LABELS)
