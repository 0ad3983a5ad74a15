"""The rooms of docs/architecture.md: who may import whom, and how long a module may grow."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400

# Room -> imports of the project's own packages it must never make (prefix match), as in
# docs/architecture.md "Who may import whom"; each with the reason in a comment.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    # shared facts depend on nothing else of the project
    "geo.core": ("geo.dataset", "geo.query", "geo.pipeline", "geo.geocode", "app", "scripts"),
    # the published format is read by both sides, so it knows neither
    "geo.dataset": ("geo.query", "geo.pipeline", "geo.geocode", "app", "scripts"),
    # the published point (geo.dataset's PointRecord, in a module of its own): likewise
    "geo.record": ("geo.query", "geo.pipeline", "geo.geocode", "app", "scripts"),
    # its GeoJSON form, the sidecar and the R-tree stored in it are part of the format too
    "geo.features": ("geo.query", "geo.pipeline", "geo.geocode", "app", "scripts"),
    "geo.packed": ("geo.query", "geo.pipeline", "geo.geocode", "app", "scripts"),
    "geo.rtree_pages": ("geo.query", "geo.pipeline", "geo.geocode", "app", "scripts"),
    # the query side never reaches into ingestion or the web
    "geo.query": ("geo.pipeline", "app", "scripts"),
    # geocoders are used by the pipeline and (offline only) by the app, never the reverse
    "geo.geocode": ("geo.query", "geo.pipeline", "app", "scripts"),
    # ingestion publishes files; it never needs the index or the web
    "geo.pipeline": ("geo.query", "app", "scripts"),
    # web glue: the query side, the dataset and the offline geocoder only
    "app": ("geo.pipeline", "scripts"),
}
# The only geo.geocode modules app/ may use: the offline geocoder and the shared types.
APP_GEOCODE_ALLOWED = ("geo.geocode.offline", "geo.geocode.base")


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in ("geo", "app", "scripts"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path))
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


MODULES = _modules()


def test_modules_were_found() -> None:
    rooms = {name.split(".")[0] for name, _ in MODULES}
    assert rooms == {"geo", "app", "scripts"}
    assert len(MODULES) > 40


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_module_imports_only_what_its_room_allows(module: str, path: Path) -> None:
    imported = _imports(path)
    for room, forbidden in FORBIDDEN.items():
        if not _within(module, room):
            continue
        wrong = sorted(n for n in imported for f in forbidden if _within(n, f))
        assert not wrong, f"{path.relative_to(ROOT)} ({room}) imports {wrong}"
    if _within(module, "app"):
        geocode = {n for n in imported if _within(n, "geo.geocode")}
        assert geocode <= set(APP_GEOCODE_ALLOWED), f"{module} imports {sorted(geocode)}"
    if _within(module, "geo"):
        web = sorted(n for n in imported if n.split(".")[0] in {"fastapi", "starlette", "uvicorn"})
        assert not web, f"{module} imports a web framework: {web}"


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_module_is_short_enough_to_read(module: str, path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines"
