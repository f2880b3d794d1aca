"""统一社会信用代码 (USCC) validation per GB 32100-2015.

18 characters: registration authority (1), organisation type (1), administrative division (6),
organisation code (9, whose own last character is a GB 11714 check), and a check character (1)
computed modulo 31 over the 31-character alphabet below (I, O, Z, S, V excluded).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# GB 32100-2015 §4.2: weights W_i = 3^(i-1) mod 31 for positions 1..17.
WEIGHTS = [pow(3, i, 31) for i in range(17)]


class USCCError(ValueError):
    pass


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str) -> str:
    """Return the normalised code or raise ``USCCError`` saying what is wrong."""
    c = (code or "").strip().upper()
    if len(c) != 18:
        raise USCCError(f"统一社会信用代码 must be 18 characters (GB 32100-2015), got {len(c)}")
    bad = sorted({ch for ch in c if ch not in _VALUE})
    if bad:
        raise USCCError(f"统一社会信用代码 contains characters outside GB 32100-2015's set: {''.join(bad)}")
    if not c[2:8].isdigit():
        raise USCCError("统一社会信用代码 positions 3-8 (administrative division code) must be digits")
    expected = check_character(c[:17])
    if c[17] != expected:
        raise USCCError(
            f"统一社会信用代码 check character is {c[17]!r}, GB 32100-2015 gives {expected!r} for these 17 characters"
        )
    return c


def make(first17: str) -> str:
    """Complete 17 characters with their check character (test factories, data generators)."""
    return first17 + check_character(first17)
