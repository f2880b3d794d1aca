"""The bureaus' names by their codes, for the pages that show a bureau (the portal, /my, the auditors'
dashboard) — in ``shared`` so that the portal and the audit service read one table without importing each
other. The documents a bureau issues take its name from the cases service's registry of enforcement bodies
(``services/cases/bureaus``), which is the authority; these names are its seeded examples and the other
Suzhou districts' names, labelled as examples."""

from __future__ import annotations

# The bureaus' names by their codes (the administrative division codes of Suzhou's districts and county-level
# cities). EXAMPLES for the pilot's bureaus, kept in this one place: the pages read the cases service's registry
# of enforcement bodies (``shared.registry.bureau_names``) and fall back to these only for a code it has none for.
BUREAU_NAMES = {
    "320500": "苏州市生态环境局",
    "320506": "苏州市吴中生态环境局",
    "320507": "苏州市相城生态环境局",
    "320508": "苏州市姑苏生态环境局",
    "320509": "苏州市吴江生态环境局",
    "320581": "苏州市常熟生态环境局",
    "320582": "苏州市张家港生态环境局",
    "320583": "苏州市昆山生态环境局",
    "320585": "苏州市太仓生态环境局",
}


def bureau_name(code: str | None, names: dict[str, str] | None = None) -> str:
    """The bureau's name for its code: from ``names`` (the registry's, ``shared.registry.bureau_names``), else
    these example names; an unknown code as it is."""
    return (names or BUREAU_NAMES).get(code or "") or BUREAU_NAMES.get(code or "", code or "—")
