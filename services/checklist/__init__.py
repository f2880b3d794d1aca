"""checklist — 合规指导清单 (compliance guidance checklist), 免罚清单 (no-penalty list) and the
statutory grounds of 《中华人民共和国行政处罚法》第三十二条 (从轻/减轻) and 第三十三条 (不予行政处罚).

A versioned catalog: every item is stored once per (code, version), versions are immutable, and each
row keeps where it came from (``source``) and whether its text was checked (``verified``). Cases
point at the version they used. The bundled data (``data/*.yaml``) seeds an empty database.
"""
