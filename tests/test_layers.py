"""The package layering of docs/architecture.md, checked over every `import` in signage/.

Imports inside functions count (a lazy import is still a dependency); imports under
`if TYPE_CHECKING:` do not (they never run). Run alone: `pytest tests/test_layers.py -q`.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "signage"

KERNEL = {"clock", "config", "db", "errors", "i18n", "storage", "permissions"}
# The composition root wires everything together and may import anything.
COMPOSITION = {
    "__init__",
    "cli",
    "jobs",
    "demo",
    "demo_programme",
    "models",
    "launcher",
    "gunicorn_conf",
    "migrations",
}
# Domain cores, bottom to top: a core imports only the kernel and the cores below it.
CORES = [
    "realtime",
    "audit",
    "areas",
    "accounts",
    "content",
    "boards",
    "schedules",
    "alerts",
    "players",
    "notifications",
    "reports",
]
# Shared request plumbing: imports the kernel and the foundation cores, no business domain.
HTTP_MAY_IMPORT = {"realtime", "audit", "areas", "accounts"}
# A domain's interface: its console pages and its API (and the schemas only they use).
INTERFACE_MODULES = {"views", "api", "schemas", "forms", "console"}


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        if "versions" in rel.parts:
            continue
        name = ".".join(rel.parts)
        mods[name.removesuffix(".__init__")] = path
    return mods


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skip


def _imports(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")
                if path.name != "__init__.py":
                    parts = parts[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # `from signage import clock` imports the module signage.clock.
            names = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        for name in names:
            if name.split(".")[0] == "signage":
                target = _resolve(name)
                if target and target != module:
                    found.add(target)
    return found


EDGES = {m: _imports(m, p) for m, p in MODULES.items()}


def layer_of(module: str) -> tuple[str, str]:
    """(package, part): part is 'kernel', 'composition', 'core', 'interface', 'http' or 'web'."""
    parts = module.split(".")
    if len(parts) == 1:
        return "signage", "composition"
    top = parts[1]
    if len(parts) == 2 and top in KERNEL:
        return "kernel", "kernel"
    if top in COMPOSITION:
        return top, "composition"
    if top in ("http", "web"):
        return top, top
    if top in CORES:
        if len(parts) == 2 and top != "realtime":
            return top, "interface"  # the package's init_app wires its pages and API into the app
        # views.py / api.py, or a views/ or api/ subpackage (accounts has one page module a noun)
        return top, ("interface" if INTERFACE_MODULES & set(parts[2:]) else "core")
    raise AssertionError(f"{module}: its package is in no layer; place it in tests/test_layers.py")


def _allowed(src: str, dst: str) -> bool:
    (spkg, spart), (dpkg, dpart) = layer_of(src), layer_of(dst)
    if spart == "composition":
        return True
    if spkg == dpkg:  # inside a package, only a core reaching for its own interface is wrong
        return not (spart == "core" and dpart == "interface")
    if dpart == "kernel":
        return True
    if spart == "kernel":
        return False
    if spart == "web":
        return dpart != "composition"
    if spart == "http":
        return dpart == "core" and dpkg in HTTP_MAY_IMPORT
    if spart == "interface":
        # pages and API may use any core, and reuse the interface of a domain below their own
        if dpart == "interface":
            return dpkg in CORES and CORES.index(dpkg) < CORES.index(spkg)
        return dpart in ("http", "core")
    # a core module
    if dpart != "core":
        return False
    return CORES.index(dpkg) <= CORES.index(spkg)


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_imports_point_down_the_layers() -> None:
    wrong = sorted(
        f"{src} -> {dst}  ({'/'.join(layer_of(src))} may not import {'/'.join(layer_of(dst))})"
        for src, dsts in EDGES.items()
        for dst in dsts
        if not _allowed(src, dst)
    )
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def package_graph() -> dict[str, set[str]]:
    """Packages as nodes (a domain's interface apart from its core); the composition root left out."""
    graph: dict[str, set[str]] = defaultdict(set)
    for src, dsts in EDGES.items():
        spkg, spart = layer_of(src)
        if spart == "composition":
            continue
        a = f"{spkg}.{spart}" if spart == "interface" else spkg
        for dst in dsts:
            dpkg, dpart = layer_of(dst)
            b = f"{dpkg}.{dpart}" if dpart == "interface" else dpkg
            if a != b and dpart != "composition":
                graph[a].add(b)
    return graph


def test_no_import_circles_between_packages() -> None:
    assert _cycles(package_graph()) == []


def test_no_import_circles_between_modules() -> None:
    """No module-level circle either, except a package's __init__ importing its own modules
    (that is how a package wires its pages in init_app; the modules import the package back
    for its blueprint or shared instance)."""
    graph = {
        m: {d for d in ds if layer_of(d)[1] != "composition" and not d.startswith(m + ".")}
        for m, ds in EDGES.items()
        if layer_of(m)[1] != "composition"
    }
    assert _cycles(graph) == []


@pytest.mark.parametrize(
    ("src", "dst", "ok"),
    [
        ("signage.alerts.lifecycle", "signage.realtime", True),
        ("signage.realtime.rooms", "signage.boards.models", False),
        ("signage.content.services", "signage.http.api", False),
        ("signage.content.views", "signage.http.forms", True),
        ("signage.http.forms", "signage.content.models", False),
        ("signage.boards.services", "signage.schedules.manifests", False),
        ("signage.audit.models", "signage.clock", True),
        ("signage.clock", "signage.audit.models", False),
        ("signage.players.api", "signage.boards.api", True),
        ("signage.boards.api", "signage.schedules.api", False),
        ("signage.content.services", "signage.content.views", False),
        ("signage.http.openapi", "signage.http.api", True),
    ],
)
def test_the_rules_themselves(src: str, dst: str, ok: bool) -> None:
    """The checker tells a wrong arrow from a right one (so an empty list above means something)."""
    assert _allowed(src, dst) is ok


if __name__ == "__main__":  # print the package map for docs/architecture.md
    for pkg, deps in sorted(package_graph().items()):
        print(f"{pkg:22} -> {' '.join(sorted(deps))}")
