#!/usr/bin/env python3
"""Compare tcglog-dump --format tpm2-tools with tpm2_eventlog --eventlog-version=2 on one log.

Usage: compare.py OURS.yaml THEIRS.yaml TPM2_EXIT_STATUS

Both files are loaded as YAML and compared event by event, every key and value of
each event once parsed. Events are left out of the count only for the reasons
tcglog-dump(1) lists under "Where tpm2-tools is wrong", each by its name:

  sha1-log-layout  tpm2-tools writes a SHA-1 log's events as one mapping with
                   repeated keys and no EventNum; they are split back into a list
                   here and compared without EventNum
  tpm2-stopped     the event tpm2_eventlog was writing when it stopped or crashed,
                   and every event after it (which it never wrote)
  hex-truncated    tpm2_eventlog cuts hex event data after 1024 bytes
  gpt-null-name    tpm2_eventlog writes "(null)" for a partition name that is not
                   ASCII
  invalid-yaml     tpm2_eventlog writes text raw into the YAML: an event whose
                   text is not YAML (control characters, bytes that are not
                   UTF-8, a newline in an action string) cannot be read back
  unquoted-hex     tpm2_eventlog writes SignatureData unquoted, so hex made only
                   of decimal digits reads back as a number
  pcr0-no-action   (PCR values) tpm2-tools 5.4 extends PCR 0 with the zero digests
                   of EV_NO_ACTION events and ignores the H-CRTM start value, so
                   its PCR 0 is wrong when the log has either

The replayed PCRs (pcrs) are compared the same way, as a second figure.

Prints one line per differing event, then
"# agreement EQUAL/COMPARED excluded NAME=N ..." and
"# pcrs EQUAL/COMPARED excluded NAME=N ...". Exit 0 when that line was
printed, 2 when tpm2_eventlog's output has no events list at all.
"""
import re
import sys

import yaml


def parse_chunk(chunk):
    """One event's text: its mapping, or None when that text is not YAML."""
    try:
        node = yaml.safe_load(chunk.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    return node[0] if isinstance(node, list) and len(node) == 1 and isinstance(node[0], dict) else None


def load_theirs(path):
    """tpm2_eventlog's output, read event by event so one unreadable event
    (invalid-yaml) leaves the others comparable."""
    with open(path, "rb") as f:
        text = f.read()
    m = re.search(rb"^events:\n", text, re.M)
    if not m:
        return None, False
    body = text[m.end():]
    end = re.search(rb"^pcrs:", body, re.M)
    events, tail = (body[: end.start()], body[end.start():]) if end else (body, b"")
    # A SHA-1 log: one mapping for all events, each starting at its PCRIndex key.
    sha1 = events.startswith(b"  PCRIndex:")
    if sha1:
        events = re.sub(rb"^  PCRIndex:", b"- PCRIndex:", events, flags=re.M)
    marker = b"- PCRIndex:" if sha1 else b"- EventNum:"
    starts = [i.start() for i in re.finditer(rb"^" + re.escape(marker), events, re.M)]
    chunks = [events[a:b] for a, b in zip(starts, starts[1:] + [len(events)])]
    doc = {"events": [parse_chunk(c) for c in chunks]}
    try:
        pcrs = yaml.safe_load(tail.decode("utf-8")) if tail else None
        doc["pcrs"] = pcrs.get("pcrs") if isinstance(pcrs, dict) else None
    except (yaml.YAMLError, UnicodeDecodeError):
        doc["pcrs"] = None
    return doc, sha1


def truncated_hex(t, o):
    return (isinstance(t, str) and isinstance(o, str) and len(t) == 2048 and len(o) > 2048
            and o.startswith(t))


def null_name(t):
    if not isinstance(t, dict):
        return False
    parts = t.get("Partitions") or []
    return any(isinstance(p, dict) and p.get("PartitionName") == "(null)" for p in parts)


def unquoted(node):
    """node with each SignatureData string read back as tpm2-tools' plain scalar is."""
    if isinstance(node, dict):
        return {k: (yaml.safe_load(v) if k == "SignatureData" and isinstance(v, str)
                    else unquoted(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [unquoted(v) for v in node]
    return node


def compare_pcrs(theirs, ours, tev):
    tp, op = theirs.get("pcrs") or {}, ours.get("pcrs") or {}
    # PCR 0 after an EV_NO_ACTION record or an event type tpm2-tools 5.4 does not know (H-CRTM).
    wrong0 = any(isinstance(e, dict) and e.get("PCRIndex") == 0 and e.get("EventNum", 1) != 0
                 and e.get("EventType") in ("EV_NO_ACTION", "Unknown event type") for e in tev)
    equal = compared = skipped = 0
    for bank, values in tp.items():
        for pcr, v in (values or {}).items():
            if pcr == 0 and wrong0:
                skipped += 1
                continue
            compared += 1
            if (op.get(bank) or {}).get(pcr) == v:
                equal += 1
            else:
                print(f"pcrs: {bank} PCR {pcr}: tpm2_eventlog {v:#x}, tcglog-dump {(op.get(bank) or {}).get(pcr)}")
    for bank, values in op.items():
        for pcr in values or {}:
            if pcr not in (tp.get(bank) or {}) and not (pcr == 0 and wrong0):
                compared += 1
                print(f"pcrs: {bank} PCR {pcr}: only in tcglog-dump")
    names = f" pcr0-no-action={skipped}" if skipped else ""
    print(f"# pcrs {equal}/{compared}" + (f" excluded{names}" if names else ""))


def main(ours_path, theirs_path, status):
    with open(ours_path, encoding="utf-8") as f:
        ours = yaml.safe_load(f)
    theirs, sha1 = load_theirs(theirs_path)
    if theirs is None:
        if status == 0:
            return 2
        theirs = {"events": [], "pcrs": None}
    tev = theirs.get("events") or []
    oev = ours["events"]
    excluded = {}

    def exclude(name, n=1):
        excluded[name] = excluded.get(name, 0) + n

    if sha1:
        oev = [{k: v for k, v in e.items() if k != "EventNum"} for e in oev]
    if status != 0:
        # The last event written may be cut short; later ones were never written.
        exclude("tpm2-stopped", 1 + len(oev) - len(tev) if tev else len(oev))
        tev = tev[:-1]
    equal = compared = 0
    for i, t in enumerate(tev):
        o = oev[i] if i < len(oev) else None
        if t is None:
            exclude("invalid-yaml")
            continue
        te, oe = (t or {}).get("Event"), (o or {}).get("Event")
        if o is not None and truncated_hex(te, oe):
            exclude("hex-truncated")
            continue
        if null_name(te):
            exclude("gpt-null-name")
            continue
        if o is not None and t != o and t == unquoted(o):
            exclude("unquoted-hex")
            continue
        compared += 1
        if t == o:
            equal += 1
        else:
            keys = sorted({*(t or {}), *(o or {})}, key=str)
            diff = [k for k in keys if (t or {}).get(k) != (o or {}).get(k)]
            show = {k: ((t or {}).get(k), (o or {}).get(k)) for k in diff}
            print(f"event {i}: differs in {diff}: tpm2_eventlog vs tcglog-dump {show!r}"[:600])
    if status == 0 and len(oev) > len(tev):
        # Events tpm2_eventlog did not print although it succeeded: each a difference.
        compared += len(oev) - len(tev)
        print(f"events {len(tev)}..{len(oev) - 1}: only in tcglog-dump")
    names = " ".join(f"{k}={v}" for k, v in sorted(excluded.items()))
    print(f"# agreement {equal}/{compared}" + (f" excluded {names}" if names else ""))
    if status == 0 and theirs["pcrs"] is not None:
        compare_pcrs(theirs, ours, [e for e in tev if e is not None])
    if sha1:
        print("# sha1-log-layout: events split into a list and compared without EventNum")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
