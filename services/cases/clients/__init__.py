"""What the cases service asks the other services over HTTP (checklist, credit)."""
