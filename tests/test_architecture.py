"""The package's shape: data flows one way, and no module or function is a grab-bag.

Every module of ``techcurve`` belongs to one layer (longest matching name in
:data:`LAYERS`); a module may import only modules of its own layer or a lower one —
top-level imports and imports inside functions alike — and the imports form no cycle.
``docs/architecture.md`` shows the same layers: :func:`diagram` draws them and the
test checks the document holds that drawing, so the picture cannot drift.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "techcurve"

#: lowest first; a module may import its own layer and those above it in this list
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundation",
        (
            "techcurve.errors",
            "techcurve.version",
            "techcurve.config",
            "techcurve.cache",
            "techcurve.lazy",
            "techcurve.text",
            "techcurve.datatypes",
            "techcurve.normalize",
        ),
    ),
    ("taxonomy", ("techcurve.taxonomy",)),
    ("store", ("techcurve.store",)),
    ("ingest", ("techcurve.ingest", "techcurve.taxonomy.sheets", "techcurve.fetch")),
    ("match", ("techcurve.match", "techcurve.taxonomy.review")),
    ("indicators", ("techcurve.indicators",)),
    ("assess", ("techcurve.assess", "techcurve.scaleout")),
    ("editions", ("techcurve.editions", "techcurve.panel")),
    ("render", ("techcurve.render",)),
    ("outputs", ("techcurve.report", "techcurve.exports", "techcurve.audit")),
    ("pipeline", ("techcurve.pipeline",)),
    ("serve", ("techcurve.serve",)),
    ("cli", ("techcurve.cli", "techcurve.__main__", "techcurve")),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    best, rank = "", -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, rank = prefix, i
    if rank < 0:
        raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")
    return rank


def _resolve(module: str, name: str) -> str:
    """The module an import names: ``a.b.c`` if that module exists, else its package."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports(module: str) -> Iterator[tuple[str, int]]:
    """Each techcurve module ``module`` imports (anywhere in it) and the line."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "techcurve":
                    yield _resolve(module, alias.name), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "techcurve":
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                yield _resolve(module, full if full in MODULES else target), node.lineno


GRAPH = {m: sorted({t for t, _ in imports(m) if t != m}) for m in MODULES}


def back_edges() -> list[tuple[str, str, int]]:
    out = []
    for module in MODULES:
        for target, line in imports(module):
            if target != module and layer_of(target) > layer_of(module):
                out.append((module, target, line))
    return out


def test_every_module_belongs_to_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_no_module_imports_a_higher_layer() -> None:
    found = [
        f"{m}:{line} imports {t} ({LAYERS[layer_of(m)][0]} → {LAYERS[layer_of(t)][0]})"
        for m, t, line in back_edges()
    ]
    assert not found, "imports against the one-way rule:\n" + "\n".join(found)


def test_imports_form_no_cycle() -> None:
    # A package importing its own submodules (its face) and a submodule importing a
    # sibling through that package would be a cycle: both count.
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in GRAPH[m]:
            if state.get(t) == 1:
                cycles.append([*stack[stack.index(t) :], t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


def diagram() -> str:
    """The layers as the ASCII picture docs/architecture.md shows (highest first)."""
    width = max(len(name) for name, _ in LAYERS)
    lines = []
    for i, (name, prefixes) in reversed(list(enumerate(LAYERS))):
        mods = ", ".join(
            p.removeprefix("techcurve.") if p != "techcurve" else "techcurve (package face)"
            for p in prefixes
        )
        lines.append(f"{name:>{width}} │ {mods}")
        if i:
            lines.append(f"{'':>{width}} │   ↓ imports only what is below")
    return "\n".join(lines)


def test_architecture_doc_shows_the_layers() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert diagram() in doc, "docs/architecture.md must hold this picture:\n" + diagram()


MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
#: a function longer than MAX_FUNCTION_LINES carries this comment on the line above its
#: ``def`` (or its first decorator), saying what was measured
LONG_FUNCTION_MARK = "# long on purpose:"


def long_modules() -> set[str]:
    return {
        m
        for m, p in MODULES.items()
        if len(p.read_text(encoding="utf-8").splitlines()) > MAX_MODULE_LINES
    }


def long_functions() -> set[str]:
    out = set()
    for m, p in MODULES.items():
        lines = p.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                marked = first >= 2 and LONG_FUNCTION_MARK in lines[first - 2]
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES and not marked:
                    out.add(f"{m}.{node.name}")
    return out


def test_no_module_is_a_grab_bag() -> None:
    extra = sorted(long_modules())
    assert not extra, f"modules over {MAX_MODULE_LINES} lines: split them by job: {extra}"


def test_no_function_is_a_grab_bag() -> None:
    extra = sorted(long_functions())
    assert not extra, (
        f"functions over {MAX_FUNCTION_LINES} lines (split them, or mark a measured hot loop "
        f"with {LONG_FUNCTION_MARK!r} above the def): {extra}"
    )
