"""What every domain shares and none owns: the clock and column types, the Refused base and
form helpers, HTTP caching and the data version, the mail transport, absolute URLs, security
headers, signed links, error pages and the translatable labels of stored codes. Nothing here
knows about commitments, reminders or the ledger."""
