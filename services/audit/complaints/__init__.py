"""投诉举报 — complaints about enforcement conduct (2023 工作要点（二十一）（二十二）), handled by the supervision office."""
