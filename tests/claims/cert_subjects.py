#!/usr/bin/env python3
"""Secure Boot certificate subjects and dbx entry counts, decoded without
tcglog's claims code: the PCR 7 variables are read from tcglog-dump's YAML,
each X.509 entry's DER is handed to `openssl x509 -subject -nameopt RFC2253`.

  cert_subjects.py DUMP.yaml CLAIMS.yaml   one line per difference (exit 1),
                                           "compared N" on stdout
"""
import subprocess
import sys

import yaml

GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
IMAGESEC = "d719b2cb-3d3a-4596-a3bc-dad00e67656f"
X509 = "a5c059a1-94e4-4aa7-87b5-ab155c2bf072"
# EFI_CERT_*_GUID (UEFI 2.10 §32.4.1) by the name the claims use
TYPES = {
    "c1c41626-504c-4092-aca9-41f936934328": "SHA256",
    "3c5766e8-269c-4e34-aa14-ed776e85b3b6": "RSA2048",
    "826ca512-cf10-4ac9-b187-be01496631bd": "SHA1",
    X509: "X509",
    "3bd2a492-96c0-4079-b420-fcf98ef103ed": "X509_SHA256",
    "7076876e-80c2-4ee6-aad2-28b349a6865b": "X509_SHA384",
    "446dbf63-2502-4cda-bcfa-2465d2b0fe9d": "X509_SHA512",
}
VARS = {("PK", GLOBAL): "PKSubjects", ("KEK", GLOBAL): "KEKSubjects",
        ("db", IMAGESEC): "dbSubjects"}


def subject(hexder):
    out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject",
                          "-nameopt", "RFC2253"], input=bytes.fromhex(hexder),
                         capture_output=True, check=True).stdout.decode()
    return out.strip().removeprefix("subject=")


def main():
    dump = yaml.safe_load(open(sys.argv[1]))
    claims = yaml.safe_load(open(sys.argv[2]))
    sb = claims.get("secureboot") or {}
    diffs, compared = [], 0
    for e in dump.get("events") or []:
        ev = e.get("Event")
        if (e.get("PCRIndex") != 7 or e.get("EventType") != "EV_EFI_VARIABLE_DRIVER_CONFIG"
                or not isinstance(ev, dict) or not isinstance(ev.get("VariableData"), list)):
            continue
        key = (ev.get("UnicodeName"), ev.get("VariableName"))
        lists = ev["VariableData"]
        if key in VARS and VARS[key] in sb:
            want = [subject(k["SignatureData"]) for sl in lists if sl["SignatureType"] == X509
                    for k in sl["Keys"]]
            compared += 1
            if want != sb[VARS[key]]:
                diffs.append(f"{VARS[key]}: claims {sb[VARS[key]]}, openssl {want}")
        if key == ("dbx", IMAGESEC) and "dbxEntryCounts" in sb:
            want = {}
            for sl in lists:
                name = TYPES.get(sl["SignatureType"], sl["SignatureType"])
                want[name] = want.get(name, 0) + len(sl["Keys"])
            compared += 1
            if want != sb["dbxEntryCounts"]:
                diffs.append(f"dbxEntryCounts: claims {sb['dbxEntryCounts']}, dump {want}")
    print(f"compared {compared}")
    for d in diffs:
        print(d)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
