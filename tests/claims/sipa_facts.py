#!/usr/bin/env python3
"""An independent decoding of the Windows facts of a TCG log, written from
reference/dha.md (§4.3-§4.8) and doc/claims-format.md without tcglog's code:
it walks the SIPA items of the PCR 12-14 EV_EVENT_TAG events itself.

  sipa_facts.py LOG                print the facts (YAML)
  sipa_facts.py LOG CLAIMS.yaml    compare with tcglog-claims' output; one line
                                   per difference, exit 1 if any
"""
import datetime
import hashlib
import struct
import sys

import yaml

EV_SEPARATOR, EV_EVENT_TAG, EV_NO_ACTION, EV_BSA = 4, 6, 3, 0x80000003
HASHES = {4: hashlib.sha1, 11: hashlib.sha256, 12: hashlib.sha384, 13: hashlib.sha512}
ELAM_PUBLISHER = "microsoft windows early launch anti-malware publisher"


def events(b):
    """(pcr, type, {alg: digest}, data) for every event; legacy or crypto-agile."""
    size = struct.unpack_from("<I", b, 28)[0]
    if struct.unpack_from("<I", b, 4)[0] == EV_NO_ACTION and b[32:47] == b"Spec ID Event03":
        spec = b[32:32 + size]
        n = struct.unpack_from("<I", spec, 24)[0]
        sizes = dict(struct.unpack_from("<HH", spec, 28 + 4 * i) for i in range(n))
        off = 32 + size
        while off + 12 <= len(b):
            pcr, typ, count = struct.unpack_from("<III", b, off)
            off += 12
            digests = {}
            for _ in range(count):
                alg = struct.unpack_from("<H", b, off)[0]
                digests[alg] = b[off + 2:off + 2 + sizes[alg]]
                off += 2 + sizes[alg]
            size = struct.unpack_from("<I", b, off)[0]
            yield pcr, typ, digests, b[off + 4:off + 4 + size]
            off += 4 + size
    else:
        off = 0
        while off + 32 <= len(b):
            pcr, typ = struct.unpack_from("<II", b, off)
            size = struct.unpack_from("<I", b, off + 28)[0]
            yield pcr, typ, {4: b[off + 8:off + 28]}, b[off + 32:off + 32 + size]
            off += 32 + size


def items(data):
    """SIPA items as a tree: (id, payload) or (id, [children]) for containers."""
    out, off = [], 0
    while off + 8 <= len(data):
        iid, size = struct.unpack_from("<II", data, off)
        payload = data[off + 8:off + 8 + size]
        assert len(payload) == size, "SIPA item overruns its container"
        off += 8 + size
        out.append((iid, items(payload) if iid & 0xF0000 == 0x10000 else payload))
    return out


def u(p):
    return int.from_bytes(p, "little")


def text(p):
    return p.decode("utf-16-le").split("\0")[0]


def revlist(p):
    """dha.md §4.6.1: FILETIME, digest length, TPM_ALG_ID, digest."""
    ft, dlen, alg = struct.unpack_from("<QIH", p, 0)
    assert dlen == len(p) - 14
    when = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc) + \
        datetime.timedelta(microseconds=ft // 10)
    secs = int(when.timestamp())
    out = {"HashAlgorithmID": alg, "Digest": p[14:].hex()}
    if 0 <= secs <= 0xFFFFFFFF:
        out["CreationTime"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        out["version"] = secs
    return out


def facts(path):
    raw = open(path, "rb").read()
    evs = list(events(raw))
    banks = set().union(*(d.keys() for _, t, d, _ in evs if t != EV_NO_ACTION))
    bank = max((a for a in banks if a in HASHES and a != 4), default=4)
    closed = set()
    flat = []  # (pcr, id, payload, lma) in log order; lma: the module dict it belongs to
    modules = []  # (pcr, dict)
    elam_keys = []
    boot_apps = []

    def walk(pcr, tree, lma=None, in_elam=False):
        for iid, body in tree:
            if isinstance(body, list):
                if iid == 0x40010003:
                    m = {}
                    walk(pcr, body, m, in_elam)
                    modules.append((pcr, m))
                else:
                    walk(pcr, body, lma, in_elam or iid == 0x40010002)
                continue
            flat.append((pcr, iid, body))
            if lma is not None:
                lma[iid] = body
            if iid == 0x00090001 and in_elam:
                elam_keys.append(text(body))

    for pcr, typ, dig, data in evs:
        if pcr == 4 and typ == EV_BSA and bank in dig:
            boot_apps.append(dig[bank].hex())
        if pcr not in (12, 13, 14) or pcr in closed:
            continue
        if typ == EV_SEPARATOR and data == b"WBCL":
            closed.add(pcr)
            continue
        if typ != EV_EVENT_TAG or HASHES[bank](data).digest() != dig.get(bank):
            continue
        walk(pcr, items(data))

    def values(iid, pcrs=(12, 13)):
        return [p for pcr, i, p in flat if i == iid and pcr in pcrs]

    health, win = {}, {}

    def anyflag(key, iid, out=health):  # latching weakening flags
        v = values(iid)
        if v:
            out[key] = any(x[0] != 0 for x in v)

    def allflag(key, iid, out):
        v = values(iid)
        if v:
            out[key] = all(x[0] != 0 for x in v)

    if not flat:
        return {}, {}
    anyflag("BootDebuggingEnabled", 0x00040001)
    anyflag("OSKernelDebuggingEnabled", 0x00050001)
    allflag("CodeIntegrityEnabled", 0x00050002, health)
    anyflag("TestSigningEnabled", 0x00050003)
    anyflag("SafeMode", 0x00050005)
    anyflag("WinPE", 0x00050006)

    # ELAM: Defender's driver (wdboot.sys) validated; known when winload
    # measured boot drivers (PCR 13 paths under \drivers\) or the ELAM hive.
    loaded = [m for pcr, m in modules if pcr == 13 and 0x00070004 in m]
    paths = [text(m.get(0x00070001, b"")).lower() for m in loaded]
    wd = [m for m, p in zip(loaded, paths)
          if p.endswith("\\drivers\\wdboot.sys") or p.endswith("\\drivers\\wd\\wdboot.sys")]
    if any("\\drivers\\" in p for p in paths) or elam_keys:
        health["ELAMDriverLoaded"] = any(m.get(0x0007000A, b"\0")[0] != 0 for m in wd)

    dep = values(0x00050004)
    if dep:
        raw = u(dep[0])
        win["DEPPolicyRaw"] = raw
        if raw <= 3:
            health["DEPPolicy"] = 0 if raw == 2 else 1
            win["DEPPolicyName"] = ["OptIn", "OptOut", "AlwaysOff", "AlwaysOn"][raw]
    bl = values(0x00020005, (12,))
    if bl:
        nz = [u(x) for x in bl if u(x)]
        health["BitlockerStatus"] = 1 if nz else 0
        win["BitlockerUnlockFlags"] = nz[0] if nz else 0
    for key, iid, name in (("BootManagerRevListVersion", 0x00040002, "BootRevList"),
                           ("CodeIntegrityRevListVersion", 0x00050013, "OSRevList")):
        v = values(iid, (13,))
        if v:
            r = revlist(v[0])
            if "version" in r:
                health[key] = r.pop("version")
            win[name] = r
            health[name + "Info"] = v[0].hex()
    vsm = values(0x00050012)
    if vsm:
        health["VSMEnabled"] = any(u(x) for x in vsm)

    tc = [u(x) for x in values(0x00020003, (12,)) if u(x) in (1, 2)]
    if tc:
        win["BootType"] = "cold" if tc[0] == 1 else "resume"
        win["ColdBoot"] = tc[0] == 1
    bc, ec, cid = values(0x00020002), values(0x00020006), values(0x00020007)
    if ec:
        win["EventCounter"] = u(ec[0])
    if cid:
        win["CounterID"] = u(cid[0])
    if bc:
        # TPM 1.2 (dha.md §4.3): BOOTCOUNTER 0, the monotonic EVENTCOUNTER counts boots
        if u(bc[0]) == 0 and ec:
            win["BootCount"], win["BootCountSource"] = u(ec[0]), "event-counter"
        else:
            win["BootCount"], win["BootCountSource"] = u(bc[0]), "boot-counter"
    hv = values(0x0005000A)
    if hv:
        win["HypervisorLaunched"] = any(u(x) for x in hv)
    anyflag("HypervisorDebugEnabled", 0x0005000D, win)
    anyflag("FlightSigningEnabled", 0x00050021, win)
    for key, iid in (("HypervisorIOMMUPolicy", 0x0005000C), ("SMTStatus", 0x00050014),
                     ("LSAIsoConfig", 0x00050028)):
        v = values(iid)
        if v:
            win[key] = u(v[0])
    if "SMTStatus" in win and win["SMTStatus"] <= 2:
        win["SMTStatusName"] = ["disabled", "enabled", "software-disabled"][win["SMTStatus"]]
    vbs = {}
    for i, name in enumerate(["VSMRequired", "SecureBootRequired", "IOMMURequired",
                              "MMIONXRequired", "MSRFilteringRequired",
                              "MandatoryEnforcement", None, "MicrosoftBootChainRequired",
                              "DumpUsesAMERoot", "VSMNoSecretsEnforced"]):
        if name:
            allflag(name, 0x000A0001 + i, vbs)
    hvci = values(0x000A0007)
    if hvci:
        vbs["HVCIPolicy"] = u(hvci[0])
    if vbs:
        win["VBS"] = vbs

    def images(ms):
        out = {}
        for m in ms:
            k = (m.get(0x00070001, b""), m[0x00070004])
            e = out.setdefault(k, {"Count": 0, "valid": []})
            e["Count"] += 1
            e["valid"].append(m[0x0007000A][0] != 0 if 0x0007000A in m else None)
        res = []
        for (p, h), e in out.items():
            d = {"AuthenticodeHash": h.hex()}
            if p:
                d["Path"] = text(p)
            if e["valid"] != [None] * len(e["valid"]):
                d["Validated"] = all(e["valid"])
            if e["Count"] > 1:
                d["Count"] = e["Count"]
            res.append(d)
        return res

    elam = [m for m, p in zip(loaded, paths) if m in wd or
            text(m.get(0x00070008, b"")).lower() == ELAM_PUBLISHER]
    if elam:
        win["ELAMDrivers"] = images(elam)
    if elam_keys:
        win["ELAMKeyNames"] = list(dict.fromkeys(elam_keys))
    if boot_apps:
        win["BootApplicationDigests"] = boot_apps
    if loaded:
        win["LoadedModules"] = images(loaded)
    return health, win


HEALTH_KEYS = ["BootDebuggingEnabled", "OSKernelDebuggingEnabled", "CodeIntegrityEnabled",
               "TestSigningEnabled", "SafeMode", "WinPE", "ELAMDriverLoaded", "VSMEnabled",
               "DEPPolicy", "BitlockerStatus", "BootManagerRevListVersion",
               "CodeIntegrityRevListVersion", "BootRevListInfo", "OSRevListInfo"]
IMAGE_KEYS = ["Path", "AuthenticodeHash", "Validated", "Count"]


def compare(health, win, claims):
    diffs = []
    ch, cw = claims.get("health") or {}, claims.get("windows") or {}
    for k in HEALTH_KEYS:
        if health.get(k) != ch.get(k):
            diffs.append("health.%s: decoder %r, tcglog %r" % (k, health.get(k), ch.get(k)))
    for k in sorted(set(win) | set(cw)):
        want, got = win.get(k), cw.get(k)
        if k in ("ELAMDrivers", "LoadedModules") and got:
            got = [{f: m[f] for f in IMAGE_KEYS if f in m} for m in got]
        if want != got:
            diffs.append("windows.%s: decoder %.200r, tcglog %.200r" % (k, want, got))
    return diffs


def main():
    health, win = facts(sys.argv[1])
    if len(sys.argv) == 2:
        yaml.safe_dump({"health": health, "windows": win}, sys.stdout, sort_keys=False)
        return 0
    with open(sys.argv[2]) as f:
        claims = yaml.safe_load(f)
    diffs = compare(health, win, claims)
    for d in diffs:
        print(d)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
