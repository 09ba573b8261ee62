"""Publishing: disclosure control and the one suppressed publication every reader sees."""
