"""Addresses: absolute links for e-mails and feeds (built on PUBLIC_BASE_URL, never the Host
header), the one check of a web address a person gives, and the one check of where a
redirect may go."""

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def is_web_address(link: str) -> bool:
    """An http:// or https:// address with a host and no white space (evidence links,
    observation links): nothing a browser would run or a reader could be misled by."""
    try:
        parts = urlsplit(link)
    except ValueError:  # e.g. an unclosed IPv6 bracket: http://[::1
        return False
    return (parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
            and link.isprintable() and not any(c.isspace() for c in link))


def local_target(target: str | None, default: str) -> str:
    """A redirect target from the request (``?next=``) if it stays on this site, else the
    default: an open redirect would let a phishing link borrow the tracker's address."""
    target = target or ""
    # No backslash (browsers read it as /) and nothing unprintable: a CR/LF would split the
    # Location header.
    if not target.startswith("/") or target.startswith("//") or "\\" in target \
            or not target.isprintable():
        return default
    try:
        return default if urlsplit(target).netloc else target
    except ValueError:
        return default
