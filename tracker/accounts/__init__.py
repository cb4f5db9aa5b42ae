"""Accounts: people and their roles, passwords and the login throttle, signed single-use
links (invitation, reset, unsubscribe), invitation and reset mail, the administration log,
and `flask users`."""
