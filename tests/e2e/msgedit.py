#!/usr/bin/env python3
"""Change one field of a tcglog message the way an attacker would.

msgedit.py FILE flip KEY OFFSET      flip the low bit of byte OFFSET of a
                                     base64 field (negative: from the end)
msgedit.py FILE take KEY OTHERFILE   take KEY's value from another message
msgedit.py FILE set KEY VALUE        set a text field
msgedit.py FILE get KEY              print a field (base64 fields as hex)
KEY is dotted for nested maps ("quote.attest"). The result goes to stdout.
"""
import base64
import sys

import yaml


def walk(doc, key):
    *parents, last = key.split(".")
    for p in parents:
        doc = doc[p]
    return doc, last


def main():
    path, op, key, arg = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with open(path) as f:
        doc = yaml.safe_load(f)
    parent, last = walk(doc, key)
    if op == "flip":
        raw = bytearray(base64.b64decode(parent[last], validate=True))
        raw[int(arg[0])] ^= 1
        parent[last] = base64.b64encode(bytes(raw)).decode()
    elif op == "take":
        with open(arg[0]) as f:
            other = yaml.safe_load(f)
        src, src_last = walk(other, key)
        parent[last] = src[src_last]
    elif op == "set":
        parent[last] = arg[0]
    elif op == "get":
        v = parent[last]
        try:
            print(base64.b64decode(v, validate=True).hex())
        except Exception:
            print(v)
        return
    else:
        sys.exit("unknown operation " + op)
    sys.stdout.write("---\n" + yaml.safe_dump(doc, sort_keys=False, width=1 << 30))


main()
