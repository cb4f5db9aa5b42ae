"""The public ledger: every public event chained as canonical JSON (hash of the previous
hash and the entry), written in the transaction that makes the event, verifiable by anyone;
its pages for the API and `flask ledger` for the operator."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the hook that chains every public event as it is flushed."""
    from tracker.ledger.chain import register_hooks

    register_hooks()
