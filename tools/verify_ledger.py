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
"""

import argparse
import hashlib
import json
import sys
import urllib.error
import urllib.request

GENESIS = "0" * 64


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


def verify(entries, checkpoint: tuple[int, str] | None = None) -> tuple[str | None, int]:
    """(the first problem or None, number of entries checked)."""
    expected, prev, seen_checkpoint, count = 1, GENESIS, checkpoint is None, 0
    for entry in entries:
        seq, count = entry.get("seq"), count + 1
        if seq != expected:
            return f"entry {expected}: missing, or out of order (found {seq})", count
        payload = entry.get("payload")
        if entry.get("prev_hash") != prev:
            return f"entry {seq}: prev_hash is not the hash of entry {seq - 1}", count
        if not isinstance(payload, dict) or payload.get("seq") != seq \
                or payload.get("kind") != entry.get("kind") or payload.get("at") != entry.get("at"):
            return f"entry {seq}: payload does not describe this entry", count
        digest = hashlib.sha256((prev + canonical(payload)).encode("utf-8")).hexdigest()
        if digest != entry.get("hash"):
            return (f"entry {seq}: hash does not match (sha256(prev_hash + payload) = "
                    f"{digest})"), count
        if checkpoint and seq == checkpoint[0]:
            if digest != checkpoint[1]:
                return (f"entry {seq}: differs from the checkpoint "
                        f"{checkpoint[0]}:{checkpoint[1]}"), count
            seen_checkpoint = True
        expected, prev = seq + 1, digest
    if not seen_checkpoint:
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
    try:
        problem, count = verify(fetch_entries(args.url), checkpoint)
    except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
        print(f"could not read the ledger: {exc}", file=sys.stderr)
        return 2
    if problem:
        print(f"LEDGER BROKEN: {problem}")
        return 1
    print(f"Ledger intact: {count} entries verified"
          + (f", checkpoint {checkpoint[0]} found" if checkpoint else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
