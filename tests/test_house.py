"""The house rules a newcomer relies on (issue 14), checked on the source tree itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def test_shared_imports_no_service():
    """DESIGN §1: services import from ``shared``, never the other way round."""
    offenders = {
        str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m == "services" or m.startswith("services."))
        for p in (ROOT / "shared").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
