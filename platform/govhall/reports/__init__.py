"""Reports and dashboards (R-S8, R-W11)."""
