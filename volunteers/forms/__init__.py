"""Forms of volunteering, one module per page family (shifts, tasks, profile, help)."""
