"""One answer for a decision (cases → checklist, issue 28): the evaluations, the calculations and the must items."""
