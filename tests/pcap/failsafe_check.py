#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Verify the UDP fail-safe's replays in a pcap the appliance wrote.

The input holds client requests to VIP:port and no server reply. Every request
must leave the appliance exactly twice (matched by IPv4 ID, which the appliance
preserves and nc-pktgen makes unique):
  - first to the server --first names: local_ip:lport -> server:port, TTL - 1,
    both checksums right, every other byte as it came in;
  - then, later in the file and at least --min-gap-ms after the first, to the
    server --second names: byte for byte the first copy except the destination
    MAC, the destination address and the two checksums.
Distinct requests use distinct local ports. Nothing else IPv4 may appear (ARP
frames are skipped). With --log, the appliance's "final failsafe SVC:" line
must carry every KEY VALUE pair of --expect.

Exit 0 with a one-line summary, 1 with every violation listed, 2 on usage errors.
--count FILE prints the number of frames of FILE and exits.
"""
import argparse
import ipaddress
import re
import struct
import sys

ETH = 14
IP_CSUM = (ETH + 10, ETH + 12)
IP_DST = (ETH + 16, ETH + 20)
UDP_CSUM = (ETH + 26, ETH + 28)


def read_pcap(path):
    """Frames of a classic pcap file as (timestamp in us, bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f"{path}: no pcap header")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError(f"{path}: not a pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    if struct.unpack(end + "I", data[20:24])[0] != 1:
        raise ValueError(f"{path}: not Ethernet")
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise ValueError(f"{path}: truncated frame {len(frames) + 1}")
        frames.append((sec * 1000000 + (frac // 1000 if nano else frac), data[off:off + caplen]))
        off += caplen
    return frames


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def udp_of(b):
    """(ip header fields, udp fields) of an option-less IPv4/UDP frame, or None."""
    if len(b) < ETH + 28 or b[12:14] != b"\x08\x00" or b[ETH] != 0x45 or b[ETH + 9] != 17:
        return None
    tot = struct.unpack("!H", b[ETH + 2:ETH + 4])[0]
    if tot < 28 or ETH + tot > len(b):
        return None
    return {
        "id": struct.unpack("!H", b[ETH + 4:ETH + 6])[0],
        "ttl": b[ETH + 8],
        "src": ipaddress.IPv4Address(b[ETH + 12:ETH + 16]),
        "dst": ipaddress.IPv4Address(b[ETH + 16:ETH + 20]),
        "sport": struct.unpack("!H", b[ETH + 20:ETH + 22])[0],
        "dport": struct.unpack("!H", b[ETH + 22:ETH + 24])[0],
        "ip_ok": csum(b[ETH:ETH + 20]) == 0xFFFF,
        "udp_ok": udp_csum_ok(b, tot),
        "tot": tot,
    }


def udp_csum_ok(b, tot):
    seg = b[ETH + 20:ETH + tot]
    if seg[6:8] == b"\0\0":
        return False    # the appliance forwards checksummed datagrams checksummed
    pseudo = b[ETH + 12:ETH + 20] + struct.pack("!BBH", 0, 17, len(seg))
    return csum(pseudo + seg) == 0xFFFF


def differing(a, b):
    """Byte offsets where equal-length frames a and b differ."""
    return {i for i in range(len(a)) if a[i] != b[i]}


def span(*ranges):
    return {i for lo, hi in ranges for i in range(lo, hi)}


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def server(s):
    """IP:PORT=MAC"""
    m = re.fullmatch(r"([\d.]+):(\d+)=([0-9a-fA-F:]{17})", s)
    if not m:
        raise argparse.ArgumentTypeError(f"want IP:PORT=MAC, got {s}")
    return ipaddress.IPv4Address(m.group(1)), int(m.group(2)), mac(m.group(3))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", metavar="FILE")
    ap.add_argument("--in", dest="inp")
    ap.add_argument("--out")
    ap.add_argument("--vip", type=ipaddress.IPv4Address)
    ap.add_argument("--port", type=int)
    ap.add_argument("--local-ip", type=ipaddress.IPv4Address)
    ap.add_argument("--port-mac", type=mac)
    ap.add_argument("--first", type=server, help="IP:PORT=MAC of the scheduled server")
    ap.add_argument("--second", type=server, help="IP:PORT=MAC of the replay's server")
    ap.add_argument("--min-gap-ms", type=float, default=0.0)
    ap.add_argument("--log")
    ap.add_argument("--svc")
    ap.add_argument("--expect", default="", help="KEY=N,... of the final failsafe line")
    a = ap.parse_args()

    if a.count:
        print(len(read_pcap(a.count)))
        return 0
    need = ("inp", "out", "vip", "port", "local_ip", "port_mac", "first", "second")
    missing = [n for n in need if getattr(a, n) is None]
    if missing or (a.log is None) != (a.svc is None):
        ap.error("need --in --out --vip --port --local-ip --port-mac --first --second "
                 "(and --log with --svc)")

    bad = []

    def fail(msg):
        bad.append(msg)
        print("FAIL " + msg)

    try:
        inp, out = read_pcap(a.inp), read_pcap(a.out)
    except (OSError, ValueError) as e:
        print(f"FAIL {e}")
        return 1

    req = {}    # IPv4 ID -> input frame
    for n, (_, b) in enumerate(inp, 1):
        u = udp_of(b)
        if u is None or u["dst"] != a.vip or u["dport"] != a.port:
            fail(f"input frame {n} is not a UDP request to {a.vip}:{a.port}")
            continue
        if u["id"] in req:
            fail(f"input frame {n}: IPv4 ID {u['id']} not unique")
        req[u["id"]] = b
    if not req:
        fail("no request in the input")

    copies = {k: [] for k in req}    # ID -> [(output index, ts, frame)]
    for n, (ts, b) in enumerate(out, 1):
        if b[12:14] == b"\x08\x06":
            continue
        u = udp_of(b)
        if u is None or u["id"] not in req:
            fail(f"output frame {n}: not a copy of an input request")
            continue
        copies[u["id"]].append((n, ts, b))

    lports = {}
    for ident, b_in in sorted(req.items()):
        got = copies[ident]
        if len(got) != 2:
            fail(f"request ID {ident}: {len(got)} copies in the output, want 2 "
                 f"(frames {[n for n, _, _ in got]})")
            continue
        (n1, t1, c1), (n2, t2, c2) = got
        u_in, u1, u2 = udp_of(b_in), udp_of(c1), udp_of(c2)
        for n, c, u, (sip, sport, smac), which in ((n1, c1, u1, a.first, "first"),
                                                   (n2, c2, u2, a.second, "replay")):
            where = f"request ID {ident}, {which} copy (frame {n})"
            if c[0:6] != smac or c[6:12] != a.port_mac:
                fail(f"{where}: MACs {c[6:12].hex(':')} -> {c[0:6].hex(':')}, "
                     f"want {a.port_mac.hex(':')} -> {smac.hex(':')}")
            if u["src"] != a.local_ip or u["dst"] != sip or u["dport"] != sport:
                fail(f"{where}: {u['src']}:{u['sport']} -> {u['dst']}:{u['dport']}, "
                     f"want {a.local_ip}:* -> {sip}:{sport}")
            if u["ttl"] != u_in["ttl"] - 1:
                fail(f"{where}: TTL {u['ttl']}, want {u_in['ttl'] - 1}")
            if not u["ip_ok"]:
                fail(f"{where}: IPv4 checksum wrong")
            if not u["udp_ok"]:
                fail(f"{where}: UDP checksum wrong")
        # the first copy: the input rewritten (addresses, ports, TTL, checksums, MACs)
        if len(c1) != len(b_in):
            fail(f"request ID {ident}: first copy {len(c1)} bytes, input {len(b_in)}")
        else:
            may = span((0, 12), (ETH + 8, ETH + 9), IP_CSUM, (ETH + 12, ETH + 24), UDP_CSUM)
            extra = sorted(differing(b_in, c1) - may)
            if extra:
                fail(f"request ID {ident}: first copy differs from the input at bytes {extra[:8]}")
        # the replay: the first copy with another destination
        if len(c2) != len(c1):
            fail(f"request ID {ident}: replay {len(c2)} bytes, first copy {len(c1)}")
        else:
            may = span((0, 6), IP_CSUM, IP_DST, UDP_CSUM)
            extra = sorted(differing(c1, c2) - may)
            if extra:
                fail(f"request ID {ident}: replay differs from the first copy at bytes {extra[:8]}")
        if n2 <= n1:
            fail(f"request ID {ident}: replay (frame {n2}) not after the first copy (frame {n1})")
        if (t2 - t1) / 1000.0 < a.min_gap_ms:
            fail(f"request ID {ident}: replay {(t2 - t1) / 1000.0:.1f} ms after the first "
                 f"copy, want at least {a.min_gap_ms} ms")
        if u1["sport"] in lports:
            fail(f"request ID {ident}: local port {u1['sport']} also used by request "
                 f"ID {lports[u1['sport']]}")
        lports[u1["sport"]] = ident

    if a.log:
        pre = f"final failsafe {a.svc}: "
        try:
            with open(a.log) as f:
                lines = [ln.rstrip("\n") for ln in f if ln.startswith(pre)]
        except OSError as e:
            lines = []
            fail(str(e))
        if len(lines) != 1:
            fail(f"{len(lines)} '{pre}' lines in {a.log}, want 1")
        else:
            words = lines[0][len(pre):].split()
            have = dict(zip(words[0::2], words[1::2]))
            for kv in filter(None, a.expect.split(",")):
                k, v = kv.split("=")
                if have.get(k) != v:
                    fail(f"{pre}{k} {have.get(k, 'missing')}, want {v}")

    if bad:
        print(f"{len(bad)} violations")
        return 1
    print(f"ok: {len(req)} requests, each sent to {a.first[0]} then replayed once to "
          f"{a.second[0]}" + (f"; {a.svc} counters as expected" if a.log else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
