"""Indicators: definitions, reported values and their disaggregation, and the suppression of
small counts on every public surface."""
