"""calendar domain: per-tenant working-day calendars (holidays, 调休, local days)."""
