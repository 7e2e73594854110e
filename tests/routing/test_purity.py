"""The routing package stays pure: no I/O modules, and nothing else of voiceroute."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import voiceroute.routing
from voiceroute.routing import RouteKind, Transport
from voiceroute.schemas import voice_routes

PACKAGE = Path(voiceroute.routing.__file__).parent
IO_MODULES = {"os", "io", "socket", "pathlib", "subprocess", "shutil", "time", "logging"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_module_imports_only_the_standard_library_and_routing(path: Path) -> None:
    for name in imported_modules(path):
        top = name.split(".")[0]
        assert top not in IO_MODULES, f"{path.name} imports {name}"
        if top == "voiceroute":
            assert name.startswith("voiceroute.routing"), f"{path.name} imports {name}"


def test_enum_values_equal_the_wire_values() -> None:
    assert {kind.value for kind in RouteKind} == {kind.value for kind in voice_routes.RouteType}
    assert {t.value for t in Transport} == {t.value for t in voice_routes.Transport}
    assert Transport(voice_routes.Transport.TLS) is Transport.TLS
