"""Bringing data in: ``seed_data/`` (YAML written from the minutes) read and checked with
every problem's file and line, then written idempotently (`flask seed`); and the synthetic
demo data for load tests (`flask demo-data`)."""
