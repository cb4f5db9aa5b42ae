"""The commitments' spreadsheet round trip: a sheet downloaded to fill in (XLSX or CSV,
Spanish or English), read back into checked plain rows, compared and applied."""
