"""Absolute links for e-mails and feeds, built on PUBLIC_BASE_URL, never the Host header."""

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
