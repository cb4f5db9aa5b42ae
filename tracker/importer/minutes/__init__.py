"""Uploaded minutes (DOCX, ODT, PDF with a text layer, text, Markdown; Spanish or English)
read into text, and the draft items the secretariat reviews proposed from it (issue 14)."""

from tracker.importer.minutes.document import Block, DocumentText
from tracker.importer.minutes.duplicates import Match, find_duplicates
from tracker.importer.minutes.extract import REASONS, ProposedItem, describe_reason, extract_items
from tracker.importer.minutes.formats import read_document
from tracker.importer.minutes.refusals import MinutesRefused

__all__ = ["REASONS", "Block", "DocumentText", "Match", "MinutesRefused",
           "ProposedItem", "describe_reason", "extract_items", "find_duplicates",
           "read_document"]
