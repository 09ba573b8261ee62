"""Cleaning: typed tables, earlier returns repaired, one pseudonymised history."""
