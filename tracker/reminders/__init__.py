"""Reminders and all mail: the rules that decide who must act on what, the outbox every
message goes through (queued once, claimed, retried, never lost), the secretariat's settings,
each person's preferences, the scheduler process, `flask reminders`, and their pages."""
