"""The measures: every indicator as defined in docs/indicators.md, and the attainment gaps."""
