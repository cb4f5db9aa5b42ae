"""The follow-up reports: regional (per meeting), per country and a short regional summary,
as of any date, replayed from the append-only history; rendered as PDF (WeasyPrint) and DOCX
(python-docx), each carrying the ledger head it reflects."""
