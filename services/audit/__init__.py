"""Audit service: supervision flags for every exemption and light penalty (免罚、轻罚案件的监督审核)
with integrity-risk rules and their review; the tamper-evident log and dashboards come later."""
