"""Statistics, reconciliation with the cases service, the annual report and the dashboard."""
