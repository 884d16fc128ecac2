#!/usr/bin/env python3
"""The banks a log lists but never extends, from tpm2_eventlog's YAML (an
independent parser's output kept in the corpus): the Spec ID event lists the
bank, and no event that extends a PCR carries a non-zero digest for it.

  unextended_banks.py TPM2_EVENTLOG.yaml CLAIMS.yaml   exit 1 on a difference
"""
import sys

import yaml


def main():
    log = yaml.safe_load(open(sys.argv[1]))
    claims = yaml.safe_load(open(sys.argv[2]))
    events = [e for e in log.get("events") or [] if isinstance(e, dict)]
    banks, extended = [], set()
    for e in events:
        for spec in e.get("SpecID") or []:
            for a in spec.get("Algorithms") or []:
                banks.append(a["algorithmId"])
    if not banks:
        print("no Spec ID event")
        return 0 if "banks-unextended" not in claims["verification"] else 1
    for e in events:
        if e.get("EventType") == "EV_NO_ACTION":
            continue
        for d in e.get("Digests") or []:
            if int(d["Digest"], 16):
                extended.add(d["AlgorithmId"])
    want = [b for b in banks if b not in extended]
    got = claims["verification"].get("banks-unextended", [])
    print(f"tpm2_eventlog: {want or 'none'}, claims: {got or 'none'}")
    return 0 if want == got else 1


if __name__ == "__main__":
    sys.exit(main())
