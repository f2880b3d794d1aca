"""抽取案卷 — the seeded, reproducible draw of decided case files per bureau (pure; no I/O).

Per bureau, the files are ordered by case id and drawn with ``random.Random(f"{seed}|{bureau}")``: the same
population, seed and parameters always give the same sample, whatever the order the rows were read in.
With ``all_exemptions`` every exemption and light penalty (不予处罚、从轻、减轻 — 试点方案 三（十）: 纳入执法稽查的
重点事项) is taken in full first; then ``max(minimum, ceil(ratio × the bureau's decided files))`` more are drawn at
random from the rest (all of them when fewer remain)."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.vocabulary import FLAGGED_DECISIONS


@dataclass(frozen=True)
class Candidate:
    case_id: str
    number: str
    uscc: str
    bureau: str
    decision_type: str
    decision_date: date


@dataclass(frozen=True)
class Drawn:
    candidate: Candidate
    drawn_by: str  # random | all_exemptions


def per_bureau_size(total: int, ratio: float, minimum: int) -> int:
    return max(minimum, math.ceil(ratio * total - 1e-9))


def draw(population: Iterable[Candidate], *, seed: str, ratio: float, minimum: int,
         all_exemptions: bool) -> list[Drawn]:
    by_bureau: dict[str, list[Candidate]] = defaultdict(list)
    for c in population:
        by_bureau[c.bureau].append(c)
    out: list[Drawn] = []
    for bureau in sorted(by_bureau):
        files = sorted(by_bureau[bureau], key=lambda c: c.case_id)
        full = [c for c in files if all_exemptions and c.decision_type in FLAGGED_DECISIONS]
        rest = [c for c in files if c not in full]
        k = min(len(rest), per_bureau_size(len(files), ratio, minimum))
        picked = random.Random(f"{seed}|{bureau}").sample(rest, k)
        out += [Drawn(c, "all_exemptions") for c in full]
        out += [Drawn(c, "random") for c in sorted(picked, key=lambda c: c.case_id)]
    return out
