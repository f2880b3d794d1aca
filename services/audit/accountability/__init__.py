"""错案责任倒查与容错纠错 — who answers for a wrong case, and who is excused (issue 27 point 4)."""
