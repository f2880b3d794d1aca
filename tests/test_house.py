"""The house rules a newcomer relies on (issue 14), checked on the source tree itself."""

from __future__ import annotations

import ast
import re
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


def _sources(*tops: str):
    for top in tops:
        for p in (ROOT / top).rglob("*.py"):
            if "migrations" not in p.parts:
                yield p, p.read_text(encoding="utf-8")


def test_one_clock_nothing_reads_the_system_time_but_the_clock():
    """Every "now" comes from the runtime's clock (``shared/clock.py``), so tests can fix it."""
    pattern = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today)\(")
    offenders = [str(p.relative_to(ROOT)) for p, text in _sources("services", "shared")
                 if pattern.search(text) and p != ROOT / "shared" / "clock.py"]
    assert offenders == []


def test_module_names_follow_the_one_shape():
    """No ``*_service.py``/``*_router.py``/``*_schemas.py``/``*_store.py``: a group is a sub-package."""
    suffixed = [str(p.relative_to(ROOT)) for p, _ in _sources("services")
                if re.search(r"_(service|router|schemas|store)\.py$", p.name)]
    assert suffixed == []


def test_one_transaction_rule_use_cases_never_begin_or_commit():
    """Routers and use cases run inside the request's unit of work (``shared.service.DbSession``): none
    begins or commits the session it was given. (A seed or job that is its own handler opens its own,
    visibly: ``async with rt.sessionmaker() as session, session.begin():``.)"""
    given = re.compile(r"^\s*async with session\.begin\(\)|session\.commit\(\)", re.M)
    offenders = [str(p.relative_to(ROOT)) for p, text in _sources("services")
                 if p.name in ("router.py", "service.py", "rules.py", "schemas.py") and given.search(text)]
    assert offenders == []
    assert "LegacySession" not in (ROOT / "shared" / "service.py").read_text(encoding="utf-8")


def test_cross_cutting_words_are_defined_once():
    """Decision types, law titles and 403 problems have one home each."""
    vocabulary = re.compile(r"""["']no_penalty["'],\s*["']lighter["']""")
    law_title = re.compile(r"""=\s*["']《中华人民共和国行政处罚法》["']""")
    forbidden = re.compile(r"Problem\(\s*403")
    found = {
        "decision types spelled out": [p for p, t in _sources("services", "shared")
                                       if vocabulary.search(t) and p.name != "vocabulary.py"],
        "law title assigned": [p for p, t in _sources("services", "shared") if law_title.search(t) and p.name != "law.py"],
        "hand-built 403": [p for p, t in _sources("services", "shared") if forbidden.search(t) and p.name != "problems.py"],
    }
    assert {k: [str(p.relative_to(ROOT)) for p in v] for k, v in found.items() if v} == {}
