"""The package layout is the architecture (docs/architecture.md): rooms by job, layers that only look
down, no import circles (function-level imports included), small files, a docstring per room."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "gxxl"

# Bottom to top. A room may import rooms of its own layer or below, never above.
LAYERS = [
    ("gxxl.errors", "gxxl.schema", "gxxl.util"),
    ("gxxl.model",),
    ("gxxl.narrative",),
    ("gxxl.workbook", "gxxl.ingest"),
    ("gxxl.api",),
    ("gxxl.rules",),
    ("gxxl.render", "gxxl.audit", "gxxl.copies"),
    ("gxxl.consolidation",),
    ("gxxl.excel", "gxxl.samples", "gxxl.serve"),
    ("gxxl.cli", "gxxl.__main__", "gxxl"),
]
LAYER = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}
MAX_LINES = 900
MAX_ROOT_FILES = 9


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _room(mod: str) -> str:
    parts = mod.split(".")
    return "gxxl" if len(parts) == 1 else ".".join(parts[:2])


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every gxxl module this file imports, at any depth (function-level and TYPE_CHECKING imports included)."""
    mod = _module(path)
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                out.update(a.name for a in child.names if a.name.split(".")[0] == "gxxl")
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target.split(".")[0] != "gxxl":
                    continue
                for a in child.names:  # `from pkg import module` imports the module
                    sub = f"{target}.{a.name}"
                    out.add(sub if sub in modules else target)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    out.discard(mod)
    return out


def _graph():
    files = sorted(PKG.rglob("*.py"))
    modules = {_module(f) for f in files}
    return files, {_module(f): _imports(f, modules) for f in files}


def test_every_room_has_a_layer():
    files, _ = _graph()
    rooms = {_room(_module(f)) for f in files}
    assert rooms - set(LAYER) == set(), "new room: give it a layer here and in docs/architecture.md"


def test_imports_only_look_down():
    _, graph = _graph()
    wrong = sorted(f"{m} -> {t}" for m, ts in graph.items() for t in ts
                   if LAYER[_room(t)] > LAYER[_room(m)])
    assert wrong == [], "imports that reach a higher layer:\n" + "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            strong(v)
    return out


def test_no_circles_between_rooms():
    _, graph = _graph()
    rooms: dict[str, set[str]] = {}
    for m, ts in graph.items():
        rooms.setdefault(_room(m), set()).update(_room(t) for t in ts if _room(t) != _room(m))
    assert _cycles(rooms) == []


def test_no_circles_between_modules():
    _, graph = _graph()
    # a package's __init__ re-exporting its modules is not a circle with them
    g = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}
    assert _cycles(g) == []


def test_files_stay_small():
    big = [f"{p.relative_to(ROOT)}: {n} lines" for d in ("gxxl", "scripts") for p in (ROOT / d).rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert big == [], f"split by what the code does (at most {MAX_LINES} lines):\n" + "\n".join(big)


def test_root_holds_the_face_and_the_ground():
    root_files = sorted(p.name for p in PKG.glob("*.py"))
    assert len(root_files) <= MAX_ROOT_FILES, root_files


def test_every_room_says_what_it_may_import():
    missing = []
    for init in sorted(PKG.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        if "May import" not in doc:
            missing.append(str(init.relative_to(ROOT)))
    assert missing == []
