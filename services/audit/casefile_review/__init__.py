"""案卷评查 — case file review (issue 27 point 1): a versioned review standard, campaigns with a seeded draw of
decided case files per bureau, cross review by another bureau's auditor, item-by-item scoring with pre-filled
evidence from the case's own records, results, and a flag for every 不合格 file."""
