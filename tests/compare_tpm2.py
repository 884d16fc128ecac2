#!/usr/bin/env python3
"""Compare tcglog-dump's YAML with tpm2_eventlog --eventlog-version=2 on one log.

Every event both print must agree on number, PCR, type, digests and size, and on
every decoded leaf that both print under the same key path, apart from the
deliberate differences listed in SKIP. Prints one line per difference; exit 1
when there is any, 2 when tpm2_eventlog's output is not usable YAML.
"""
import re
import sys
import yaml

# Key paths where we differ on purpose (see tcglog-dump(1)): tpm2_eventlog folds a
# boot option's optional data into DevicePath, prints BootOrder in lower case,
# blob descriptions as hex, and null for empty lists.
SKIP = {"DevicePath", "VariableData/*", "BlobDescription", "TableDescription", "String"}


def leaves(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, f"{path}/{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, f"{path}[{i}]")
    else:
        yield path, node


def skipped(path):
    last = path.split("/")[-1].split("[")[0]
    return last in SKIP or (path.startswith("VariableData") and "[" not in path and "/" not in path)


HEX = re.compile(r"(0x)?[0-9a-fA-F]+|Boot[0-9a-fA-F]{4}")


def norm(v):
    """Hex (and BootXXXX names) compared without regard to case; all else exactly."""
    if isinstance(v, str) and HEX.fullmatch(v):
        return v.lower()
    return v


def main(ours_path, theirs_path):
    with open(ours_path, encoding="utf-8") as f:
        ours = yaml.safe_load(f)
    try:
        with open(theirs_path, encoding="utf-8") as f:
            theirs = yaml.safe_load(f)
    except (yaml.YAMLError, UnicodeDecodeError):
        return 2
    if not isinstance(theirs, dict) or not isinstance(theirs.get("events"), list):
        return 2
    mine = {e["EventNum"]: e for e in ours["events"]}
    diffs = 0
    compared = 0
    for t in theirs["events"]:
        n = t.get("EventNum")
        o = mine.get(n)
        if o is None:
            print(f"event {n}: missing from tcglog-dump")
            diffs += 1
            continue
        for key in ("PCRIndex", "EventSize", "DigestCount", "Digests", "Digest"):
            if key in t and norm(t[key]) != norm(o.get(key)) and not (
                key == "Digests" and [{k: norm(v) for k, v in d.items()} for d in t[key]]
                == [{k: norm(v) for k, v in d.items()} for d in o.get(key, [])]
            ):
                print(f"event {n}: {key}: tpm2_eventlog {t[key]!r}, tcglog {o.get(key)!r}")
                diffs += 1
        if not str(t.get("EventType", "")).startswith("Unknown") and t.get("EventType") != o.get("EventType"):
            print(f"event {n}: EventType: {t.get('EventType')} vs {o.get('EventType')}")
            diffs += 1
        te, oe = t.get("Event"), o.get("Event")
        # A certificate without an owner GUID: tpm2_eventlog cuts a fake owner from it.
        if "BareCertificate: True" in str(oe).replace("'", "") or "'BareCertificate': True" in str(oe):
            continue
        if isinstance(te, dict) and isinstance(oe, dict):
            ol = dict(leaves(oe))
            for path, v in leaves(te):
                # tpm2_eventlog prints "(null)" for an empty partition name.
                if skipped(path) or path not in ol or v == "(null)":
                    continue
                # Unquoted hex in tpm2_eventlog's output reads back as a number.
                if isinstance(ol[path], str) and not isinstance(v, str):
                    continue
                compared += 1
                if norm(v) != norm(ol[path]):
                    print(f"event {n}: Event/{path}: tpm2_eventlog {v!r}, tcglog {ol[path]!r}")
                    diffs += 1
    print(f"# {len(theirs['events'])} events, {compared} decoded fields compared")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
