#!/usr/bin/env python3
"""Verify a CRM commitment tracker's public ledger from its URL. Standard library only.

    python3 verify_ledger.py https://tracker.example.org [--checkpoint SEQ:HASH]

The algorithm (also in the tracker's README): entries come from GET /api/v1/ledger?after=N
in order of ``seq`` (1, 2, 3...). Each entry's ``payload`` is re-encoded as canonical JSON
(keys sorted, UTF-8, separators "," and ":" without spaces); then
``hash = sha256(prev_hash + payload)`` in lower-case hex, where ``prev_hash`` is the previous
entry's hash and 64 zeros for the first. A chain alone cannot show that its tail was cut off
or the whole chain rebuilt, so save the head (SEQ:HASH) shown on the dashboard, in the feed
and in every export, and pass it later as --checkpoint: the current ledger must still hold
exactly that entry. Exit status 0: intact; 1: broken (the first bad entry is named); 2: the
ledger could not be read.

Payload formats: 1 (no "v") and 2 ("v": 2). In format 2 a text that may be withdrawn is
``text_commitment = sha256(salt + text)`` (an observation's links likewise, "" for none);
while the text is public the entry comes with an ``opening`` {salt, text[, links]}, which is
checked. A format-1 entry whose content was withdrawn comes *withheld*: ``payload`` null and
``withheld_by`` naming a later ``entries_withheld`` entry that records its prev_hash and
hash; its hash is taken from that record (it cannot be recomputed without the payload).
"""

import argparse
import hashlib
import json
import sys
import urllib.error
import urllib.request

GENESIS = "0" * 64
# The kinds whose old entries may be withheld (the tracker's ledger/chain.py says the same).
WITHDRAWABLE_KINDS = ("evidence_added", "observation", "answer")


def canonical(payload) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def fetch_entries(base_url: str, page_size: int = 1000):
    """Every entry, page by page, oldest first."""
    after = 0
    while True:
        url = f"{base_url.rstrip('/')}/api/v1/ledger?after={after}&limit={page_size}"
        with urllib.request.urlopen(url, timeout=60) as answer:
            items = json.load(answer)["items"]
        if not items:
            return
        yield from items
        after = items[-1]["seq"]


def commit_to(salt: str, value) -> str:
    return hashlib.sha256((salt + (value or "")).encode("utf-8")).hexdigest()


def check_opening(payload: dict, opening) -> str | None:
    """A format-2 observation's or answer's opening must match its commitments."""
    event = payload.get("event") or {}
    if not isinstance(opening, dict) or not isinstance(opening.get("salt"), str) \
            or not isinstance(opening.get("text"), str):
        return "its opening is not {salt, text}"
    if commit_to(opening["salt"], opening["text"]) != event.get("text_commitment"):
        return "its text does not match text_commitment = sha256(salt + text)"
    if payload.get("kind") == "observation" \
            and commit_to(opening["salt"], opening.get("links")) != event.get("links_commitment"):
        return "its links do not match links_commitment = sha256(salt + links)"
    return None


def verify(entries, checkpoint: tuple[int, str] | None = None,
           report: dict | None = None) -> tuple[str | None, int]:
    """(the first problem or None, number of entries checked). ``report``, if given, gets
    the counts of opened and withheld entries, and notes for the reader."""
    expected, prev, seen_checkpoint, count = 1, GENESIS, checkpoint is None, 0
    report = {} if report is None else report
    report.update(opened=0, withheld=0, notes=[])
    pending: dict[int, tuple[int, str, str]] = {}  # withheld seq -> (withheld_by, prev, hash)
    for entry in entries:
        seq, count = entry.get("seq"), count + 1
        if seq != expected:
            return f"entry {expected}: missing, or out of order (found {seq})", count
        payload = entry.get("payload")
        if entry.get("prev_hash") != prev:
            return f"entry {seq}: prev_hash is not the hash of entry {seq - 1}", count
        if payload is None:
            by, digest = entry.get("withheld_by"), entry.get("hash")
            if not isinstance(by, int) or by <= seq or not isinstance(digest, str):
                return f"entry {seq}: no payload, and not withheld by a later entry", count
            # Only the kinds that can hold withdrawn content (the tracker's own verify also
            # checks that the entry is of the old format, which a reader cannot see here).
            if entry.get("kind") not in WITHDRAWABLE_KINDS:
                return f"entry {seq}: withheld, but a {entry.get('kind')} entry may not be", \
                    count
            pending[seq] = (by, prev, digest)
            report["withheld"] += 1
            if checkpoint and seq <= checkpoint[0] < by:
                report["notes"].append(
                    f"entry {seq} was withheld after your checkpoint: that the entries before "
                    f"it are unchanged rests on entry {by}'s record (a copy of the ledger you "
                    "saved with the checkpoint can show it)")
        else:
            if not isinstance(payload, dict) or payload.get("seq") != seq \
                    or payload.get("kind") != entry.get("kind") \
                    or payload.get("at") != entry.get("at"):
                return f"entry {seq}: payload does not describe this entry", count
            if payload.get("v", 1) not in (1, 2):
                return f"entry {seq}: unknown payload format {payload.get('v')!r}", count
            digest = hashlib.sha256((prev + canonical(payload)).encode("utf-8")).hexdigest()
            if digest != entry.get("hash"):
                return (f"entry {seq}: hash does not match (sha256(prev_hash + payload) = "
                        f"{digest})"), count
            if "opening" in entry:
                problem = check_opening(payload, entry["opening"])
                if problem:
                    return f"entry {seq}: {problem}", count
                report["opened"] += 1
            if payload.get("kind") == "entries_withheld":
                for item in (payload.get("event") or {}).get("entries", []):
                    if pending.pop(item.get("seq"), None) not in (
                            None, (seq, item.get("prev_hash"), item.get("hash"))):
                        return (f"entry {seq}: does not record withheld entry "
                                f"{item.get('seq')} as it is served"), count
        for withheld, (by, _prev, _digest) in pending.items():
            if by <= seq:  # its announcement has gone by without recording it
                return f"entry {withheld}: withheld, but entry {by} does not record it", count
        if checkpoint and seq == checkpoint[0]:
            if digest != checkpoint[1]:
                return (f"entry {seq}: differs from the checkpoint "
                        f"{checkpoint[0]}:{checkpoint[1]}"), count
            seen_checkpoint = True
        expected, prev = seq + 1, digest
    if pending:
        withheld, (by, _p, _d) = min(pending.items())
        return f"entry {withheld}: withheld by entry {by}, which is not in the ledger", count
    if checkpoint and not seen_checkpoint:
        return (f"checkpoint {checkpoint[0]}:{checkpoint[1]} is not in the ledger "
                f"(it has {expected - 1} entries): the chain was cut or rebuilt"), count
    return None, count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="the tracker's address, e.g. http://127.0.0.1:5000")
    parser.add_argument("--checkpoint", help="SEQ:HASH saved earlier")
    args = parser.parse_args(argv)
    checkpoint = None
    if args.checkpoint:
        seq, _, digest = args.checkpoint.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            parser.error("--checkpoint must be SEQ:HASH (a number, a colon, 64 hex digits)")
        checkpoint = (int(seq), digest.lower())
    report: dict = {}
    try:
        problem, count = verify(fetch_entries(args.url), checkpoint, report)
    except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
        print(f"could not read the ledger: {exc}", file=sys.stderr)
        return 2
    if problem:
        print(f"LEDGER BROKEN: {problem}")
        return 1
    print(f"Ledger intact: {count} entries verified"
          + (f", checkpoint {checkpoint[0]} found" if checkpoint else "")
          + f"; {report['opened']} texts checked against their commitments"
          + f"; {report['withheld']} entries withheld (their hash as recorded by a later entry)")
    for note in report["notes"]:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
