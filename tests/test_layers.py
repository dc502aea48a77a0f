"""The layers point one way (docs/architecture.md): read from the code's own imports, every
import statement counted, those inside functions too."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Modules every layer may use: settings, extensions, errors, and plain helpers.
FOUNDATION = {
    "app.config",
    "app.crypto",
    "app.emails",
    "app.errors",
    "app.extensions",
    "app.failures",
    "app.metrics",
    "app.problems",
    "app.upserts",
}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports_of(path: Path) -> set[str]:
    """Every module of app/ or workers/ that this file imports, by its full name."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from app import privacy` imports the module app.privacy.
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in ("app", "workers") and name != "app"}


def package_of(module: str) -> str:
    """app.sync.platforms.klaviyo -> app.sync; app.shops -> app.shops; workers.x -> workers."""
    parts = module.split(".")
    if parts[0] == "workers":
        return "workers"
    return ".".join(parts[:2])


MODULES = {
    module_name(path): imports_of(path)
    for folder in ("app", "workers")
    for path in sorted((ROOT / folder).rglob("*.py"))
}


def importers_of(prefix: str) -> dict[str, set[str]]:
    """What each module under `prefix` imports from outside it."""
    return {
        module: {name for name in names if not _within(name, prefix)}
        for module, names in MODULES.items()
        if _within(module, prefix)
    }


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_no_two_packages_import_each_other_even_through_others():
    graph = defaultdict(set)
    for module, names in MODULES.items():
        for name in names:
            if package_of(name) != package_of(module):
                graph[package_of(module)].add(package_of(name))
    for start in list(graph):
        seen, path = set(), [start]
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for following in graph[node]:
                assert following != start, f"import cycle: {' -> '.join([*path, start])}"
                if following not in seen:
                    seen.add(following)
                    stack.append((following, [*path, following]))


@pytest.mark.parametrize(
    ("layer", "may_use"),
    [
        # Shopify's protocols: signatures, tokens, the Admin API, payload parsing.
        ("app.shopify", set()),
        ("app.models", {"app.extensions", "app.crypto"}),
        # Intake stores and announces; what a topic does is the worker's business.
        ("app.intake", FOUNDATION | {"app.models", "app.shopify"}),
    ],
)
def test_the_lower_layers_import_nothing_above_them(layer, may_use):
    for module, names in importers_of(layer).items():
        above = {name for name in names if not any(_within(name, ok) for ok in may_use)}
        assert not above, f"{module} imports {sorted(above)}"


def test_the_app_never_imports_the_worker_and_only_create_app_knows_the_demo():
    for module, names in MODULES.items():
        if module.startswith("app"):
            assert not any(_within(name, "workers") for name in names), module
        if not _within(module, "app.demo") and module != "app":
            assert not any(_within(name, "app.demo") for name in names), module
