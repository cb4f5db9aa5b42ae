"""Loads ``seed_data/`` (YAML written from the minutes) into the database."""
