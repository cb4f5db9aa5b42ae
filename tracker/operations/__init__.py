"""Running a deployment: backups of the database (and, on SQLite, the evidence files) with
a manifest of checksums, restored into an empty database and checked against the ledger."""
