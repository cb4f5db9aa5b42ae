"""The design system's own page: every component as the other pages draw it, in the
reader's language (the switch in the header gives the other one). It reads no data.

The palette is read from tracker.css itself, so the page (and the test of its contrast
ratios) can never show colours the pages do not use."""

import re
from functools import cache
from pathlib import Path

from flask import current_app, render_template

from tracker.models import Assessment, Status
from tracker.public import bp

# Each colour token and the token of the text drawn on it (or it on, for text colours).
PAIRS = [("--ink", "--paper"), ("--muted", "--paper"), ("--muted", "--wash"),
         ("--accent", "--paper"), ("--accent-dark", "--paper"), ("--danger", "--paper"),
         *((f"--status-{s.value}", "--status-ink") for s in Status),
         ("--progress", "--paper"), ("--tagline", "--accent-dark"), ("--contested", "--paper"),
         ("--accepted", "--paper"), ("--info-wash", "--ink"), ("--danger-wash", "--ink"),
         ("--overdue-wash", "--ink"), ("--highlight", "--ink")]
TOKEN = re.compile(r"(--[a-z_-]+):\s*(#[0-9a-fA-F]{6})\b")


@cache
def colour_tokens(css: Path) -> dict[str, str]:
    """The hex colours of the stylesheet's custom properties, by name."""
    return dict(TOKEN.findall(css.read_text(encoding="utf-8")))


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                   for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def palette() -> list[tuple[str, str, str, str, float]]:
    """(token, colour, text token, text colour, contrast) for each pair the pages draw."""
    tokens = colour_tokens(Path(current_app.static_folder or "") / "css" / "tracker.css")
    return [(name, tokens[name], text, tokens[text], contrast(tokens[name], tokens[text]))
            for name, text in PAIRS]


@bp.get("/style")
def style():
    """The design system's page: each component as the pages draw it, and every colour pair
    of PAIRS with its contrast ratio, read from tracker.css."""
    return render_template("public/style.html", statuses=list(Status), palette=palette(),
                           progress_samples=[None, 0, 12.5, 50, 100],
                           assessment=Assessment.LIMITED)
