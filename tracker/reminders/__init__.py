"""Reminders: the rules that decide which focal point must act on what (digests, overdue
notices, escalation to the secretariat) and the secretariat's weekly summary, the
secretariat's settings, each person's mail preferences, the scheduler process that runs
every mail job, `flask reminders`, and their pages. Messages themselves go through the
outbox in tracker.core, which every domain that sends mail shares."""
