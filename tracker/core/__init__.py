"""What every domain shares and none owns: the clock and column types, the Refused base and
form helpers, HTTP caching and the data version, mail (the transport, the outbox every
message goes through exactly once, and the one-digest-per-person-and-period helper),
absolute URLs and redirect checks, security headers, error pages, ORM hook registration,
bulk inserts and the translatable labels of stored codes.

``time``, ``columns`` and ``events`` sit below the models (the models use them); the rest
of core may read the models, never a domain package."""
