#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The ICMP-errors pcap case (RFC 5927): errors in and out of window.

Services (run.sh's config): web tcp 80 on 10.0.0.1 -> 10.1.0.11:80 and
10.1.0.12:80 (50/50), local IP 10.1.0.1, with the fail-safe (a held request
moves when its server is unreachable); web6 tcp 80 on fd00::100 -> fd01::11:80
and fd01::12:80, local address fd01::1, no fail-safe (packet too big goes on
to the other leg).

  gen1 OUT            the clients' SYNs only (pass 1 tells local ports, servers)
  gen2 FWD1 OUT       whole handshakes and requests (and, on IPv6, the
                      server's data), then the ICMP errors of ERRORS
  check IN OUT LOG    every frame the appliance sent: each conversation's
                      frames, the move an in-window unreachable causes (RST
                      to the old server, SYN to the other one from a new
                      local port), the packets too big relayed in window;
                      nothing for an error out of window or of no flow; the
                      final counters (drops, icmp_relayed, fail-safe moves)

Exit 0 with a summary, 1 with every violation (FAIL lines), 2 on usage errors.
"""
import ipaddress
import struct
import sys

from client_addr_case import csum, ip4, tcp, write_pcap, read_pcap

ETH = 14
GW_MAC = bytes.fromhex("0200000000fe")
PORT_MAC = bytes.fromhex("020000000001")
ROUTER_MAC = bytes.fromhex("0200000001fe")
VIP = bytes([10, 0, 0, 1])
LIP = bytes([10, 1, 0, 1])
ROUTER = bytes([10, 1, 0, 254])
SRV = [bytes([10, 1, 0, 11]), bytes([10, 1, 0, 12])]
SRV_MAC = {bytes([10, 1, 0, 11]): bytes.fromhex("020000000111"),
           bytes([10, 1, 0, 12]): bytes.fromhex("020000000112")}


def v6(s):
    return ipaddress.IPv6Address(s).packed


VIP6, LIP6, ROUTER6, NET6 = v6("fd00::100"), v6("fd01::1"), v6("fd01::fe"), v6("2001:db8:9::1")
SRV6 = [v6("fd01::11"), v6("fd01::12")]
SRV6_MAC = {SRV6[0]: bytes.fromhex("020000000111"), SRV6[1]: bytes.fromhex("020000000112")}
SYN, ACK, PSH, RST = 0x02, 0x10, 0x08, 0x04

# (name, family, client ip, client port, client ISN, server ISN)
CONNS = [
    ("a", 4, bytes([192, 168, 9, 1]), 33001, 0x11110000, 0x51000000),
    ("b", 4, bytes([192, 168, 9, 2]), 33002, 0xffffffe0, 0x52000000),   # wraps
    ("c", 6, v6("2001:db8:c::9"), 34001, 0x33330000, 0xfffffff0),       # server wraps
]
REQ = b"GET /held HTTP/1.1\r\nHost: vip\r\n\r\n"
DATA6 = bytes(range(256)) * 4          # the IPv6 server's answer, 1024 bytes

# The errors, in order: (connection, leg, seq offset from the leg's first
# data byte, what it quotes, the outcome). Leg "server": the client's segment
# as the server got it (ISN + 1 is the request's first byte); "client": the
# server's segment as the client got it. Outcomes: "out" (icmp_out_of_window),
# "noflow" (icmp_no_flow), "move" (the fail-safe moves the request), "relay"
# (packet too big to the other leg).
ERRORS = [
    ("a", "server", len(REQ) + 1, "request", "out"),      # past the request's end
    ("a", "server", -2, "request", "out"),                # before the ISN
    ("a", "server", 0x40000000, "request", "out"),        # a quarter of the space on
    ("a", "server", 0, "other-port", "noflow"),           # a local port no flow has
    ("a", "server", 0, "other-server", "noflow"),         # the flow's port, not its server
    ("b", "server", 0, "request", "move"),                # the request: b's server failed
    ("c", "server", len(REQ) + 100, "request", "out"),
    ("c", "server", 0, "other-port", "noflow"),
    ("c", "server", 0, "request", "relay"),
    ("c", "client", len(DATA6) + 1, "data", "out"),
    ("c", "client", 0, "other-port", "noflow"),
    ("c", "client", 0, "data", "relay"),
]


def ip6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, hlim) + src + dst + payload


def tcp6(src, dst, sport, dport, seq, ack, flags, payload=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags,
                    65535, 0, 0)
    pseudo = src + dst + struct.pack("!I3xB", len(h) + len(payload), 6)
    c = (~csum(pseudo + h + payload)) & 0xFFFF
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def eth(dst, src, l3, v=4):
    return dst + src + (b"\x08\x00" if v == 4 else b"\x86\xdd") + l3


def conn(name):
    return next(c for c in CONNS if c[0] == name)


def c_frame(c, seq, ack, flags, payload=b""):
    _, fam, cip, cport = c[:4]
    if fam == 4:
        return eth(PORT_MAC, GW_MAC, ip4(cip, VIP, 6, tcp(cip, VIP, cport, 80, seq, ack, flags, payload)))
    return eth(PORT_MAC, GW_MAC, ip6(cip, VIP6, 6, tcp6(cip, VIP6, cport, 80, seq, ack, flags, payload)), 6)


def s_frame(c, server, lport, seq, ack, flags, payload=b""):
    if c[1] == 4:
        sip = SRV[server]
        return eth(PORT_MAC, SRV_MAC[sip],
                   ip4(sip, LIP, 6, tcp(sip, LIP, 80, lport, seq, ack, flags, payload), ttl=61))
    sip = SRV6[server]
    return eth(PORT_MAC, SRV6_MAC[sip],
               ip6(sip, LIP6, 6, tcp6(sip, LIP6, 80, lport, seq, ack, flags, payload), 61), 6)


def icmp4(src, dst, quote):
    """Host unreachable (type 3 code 1) from <src> quoting <quote> (IP header + 8)."""
    m = struct.pack("!BBHI", 3, 1, 0, 0) + quote
    m = m[:2] + struct.pack("!H", (~csum(m)) & 0xFFFF) + m[4:]
    return ip4(src, dst, 1, m)


def icmp6_ptb(src, dst, mtu, quote):
    m = struct.pack("!BBHI", 2, 0, 0, mtu) + quote
    pseudo = src + dst + struct.pack("!I3xB", len(m), 58)
    m = m[:2] + struct.pack("!H", (~csum(pseudo + m)) & 0xFFFF) + m[4:]
    return ip6(src, dst, 58, m)


def parse(fr):
    """Fields of an IPv4 or IPv6 frame (TCP, ICMP, ICMPv6), or None."""
    et = fr[12:14]
    d = {"dmac": fr[0:6], "smac": fr[6:12], "len": len(fr)}
    if et == b"\x08\x00" and len(fr) >= ETH + 20:
        ip = fr[ETH:ETH + struct.unpack("!H", fr[ETH + 2:ETH + 4])[0]]
        d.update(v=4, proto=ip[9], src=ip[12:16], dst=ip[16:20], ttl=ip[8],
                 ip_ok=csum(ip[:20]) == 0xFFFF)
        l4 = ip[20:]
        pseudo = ip[12:20] + struct.pack("!BBH", 0, ip[9], len(l4))
    elif et == b"\x86\xdd" and len(fr) >= ETH + 40:
        ip = fr[ETH:ETH + 40 + struct.unpack("!H", fr[ETH + 4:ETH + 6])[0]]
        d.update(v=6, proto=ip[6], src=ip[8:24], dst=ip[24:40], ttl=ip[7], ip_ok=True)
        l4 = ip[40:]
        pseudo = ip[8:40] + struct.pack("!I3xB", len(l4), ip[6])
    else:
        return None
    d["l4"] = l4
    if d["proto"] == 6:
        d["sport"], d["dport"], d["seq"], d["ack"] = struct.unpack("!HHII", l4[:12])
        d["flags"] = l4[13]
        d["pay"] = l4[(l4[12] >> 4) * 4:]
        d["l4_ok"] = csum(pseudo + l4) == 0xFFFF
    elif d["proto"] in (1, 58):
        d["type"], d["code"] = l4[0], l4[1]
        d["l4_ok"] = csum((pseudo if d["proto"] == 58 else b"") + l4) == 0xFFFF
    return d


def pass1(fwd1):
    """(server index, local port) of each connection, from pass 1's SYNs
    (matched by the client's ISN: the families leave in their own order)."""
    syns = {d["seq"]: d for d in map(parse, read_pcap(fwd1))
            if d and d["proto"] == 6 and d["flags"] == SYN}
    out = []
    for c in CONNS:
        d = syns.get(c[4])
        srv = SRV if c[1] == 4 else SRV6
        if d is None or d["dst"] not in srv:
            sys.exit(f"pass 1: {c[0]}'s SYN went to no server")
        out.append((srv.index(d["dst"]), d["sport"]))
    return out


def conversation(c, server, lport):
    """The client's and the server's frames of <c> before any error: the
    handshake, the request (the IPv6 server's data after it)."""
    cs, ss = c[4], c[5]
    fr = [c_frame(c, cs, 0, SYN),
          s_frame(c, server, lport, ss, cs + 1, SYN | ACK),
          c_frame(c, cs + 1, ss + 1, ACK),
          c_frame(c, cs + 1, ss + 1, ACK | PSH, REQ)]
    if c[1] == 6:
        fr.append(s_frame(c, server, lport, ss + 1, cs + 1, ACK | PSH, DATA6))
    return fr


def error_frame(e, server, lport):
    """The frame of ICMP error <e> of ERRORS; <server>, <lport>: its connection's."""
    name, leg, off, what, _ = e
    c = conn(name)
    cs, ss = c[4], c[5]
    if leg == "server":
        ihl = 20 if c[1] == 4 else 40
        # the segment as the appliance sent it to the server
        if c[1] == 4:
            l3 = bytearray(ip4(LIP, SRV[server], 6, tcp(LIP, SRV[server], lport, 80, cs + 1 + off,
                                                           ss + 1, ACK | PSH, REQ), ttl=63))
        else:
            l3 = bytearray(ip6(LIP6, SRV6[server], 6, tcp6(LIP6, SRV6[server], lport, 80,
                                                            cs + 1 + off, ss + 1, ACK | PSH, REQ), 63))
        if what == "other-port":
            l3[ihl:ihl + 2] = struct.pack("!H", lport ^ 0x4000)   # far from any flow's
        if what == "other-server":
            l3[16:20] = SRV[1 - server]
        if c[1] == 4:
            return eth(PORT_MAC, ROUTER_MAC, icmp4(ROUTER, LIP, bytes(l3[:ihl + 8])))
        return eth(PORT_MAC, ROUTER_MAC, icmp6_ptb(ROUTER6, LIP6, 1400, bytes(l3[:ihl + 40])), 6)
    # the server's segment as the client got it, from the client's path
    cport = c[3] ^ 1 if what == "other-port" else c[3]
    l3 = ip6(VIP6, c[2], 6, tcp6(VIP6, c[2], 80, cport, ss + 1 + off, cs + 1, ACK | PSH, DATA6), 60)
    return eth(PORT_MAC, GW_MAC, icmp6_ptb(NET6, VIP6, 1280, l3[:40 + 40]), 6)


def gen1(out):
    write_pcap(out, [conversation(c, 0, 0)[0] for c in CONNS])


def gen2(fwd1, out):
    p1 = pass1(fwd1)
    frames = []
    for c, (server, lport) in zip(CONNS, p1):
        frames += conversation(c, server, lport)
    for e in ERRORS:
        i = CONNS.index(conn(e[0]))
        frames.append(error_frame(e, *p1[i]))
    write_pcap(out, frames)


def owner(d):
    """The connection an output frame belongs to: by the client's address
    towards a client, by the sequence numbers (ISN, ISN + 1) towards a
    server; None for none (the appliance's own ND and ARP are not asked)."""
    for c in CONNS:
        if d["dst"] == c[2]:
            return c
        if d["proto"] == 6 and d["dst"] in SRV + SRV6 and d["seq"] in (c[4], (c[4] + 1) & 0xFFFFFFFF):
            return c
        if d["proto"] == 58 and d.get("type") == 2 and d["src"] == LIP6 and c[1] == 6:
            return c
    return None


def expected(c, server, lport):
    """What connection <c> must put on the wire, in order: its conversation
    forwarded, then what its errors cause."""
    cs, ss = c[4], c[5]
    want = [("s", SYN, cs), ("c", SYN | ACK, ss), ("s", ACK, cs + 1), ("s", ACK | PSH, cs + 1)]
    if c[1] == 6:
        want.append(("c", ACK | PSH, ss + 1))
    for name, leg, _, _, outcome in ERRORS:
        if name != c[0]:
            continue
        if outcome == "move":
            want += [("rst", RST, cs + 1), ("syn", SYN, cs)]
        elif outcome == "relay":
            want.append(("ptb-client" if leg == "server" else "ptb-server", 0, 0))
    return want


def frame_ok(d, kind, flags, seq, c, server, lport):
    cs, ss = c[4], c[5]
    srv = (SRV if c[1] == 4 else SRV6)[server]
    lip = LIP if c[1] == 4 else LIP6
    if kind == "s":
        return d["proto"] == 6 and d["dst"] == srv and d["src"] == lip and d["sport"] == lport and \
            d["flags"] == flags and d["seq"] == seq & 0xFFFFFFFF
    if kind == "c":
        return d["proto"] == 6 and d["src"] == (VIP if c[1] == 4 else VIP6) and \
            d["dport"] == c[3] and d["flags"] == flags and d["seq"] == seq & 0xFFFFFFFF
    if kind == "rst":
        return d["proto"] == 6 and d["flags"] == RST and d["dst"] == srv and d["src"] == LIP and \
            d["sport"] == lport and d["seq"] == seq & 0xFFFFFFFF
    if kind == "syn":
        # the other server, from a new local port
        return d["proto"] == 6 and d["flags"] == SYN and d["dst"] == SRV[1 - server] and \
            d["src"] == LIP and d["sport"] != lport and d["seq"] == seq & 0xFFFFFFFF
    q = d["l4"][8:]
    if d["proto"] != 58 or d["type"] != 2 or len(q) < 48:
        return False
    if kind == "ptb-client":
        # to the client from the VIP, about its own segment as it sent it
        return d["src"] == VIP6 and d["dmac"] == GW_MAC and \
            struct.unpack("!I", d["l4"][4:8])[0] == 1400 and q[8:24] == c[2] and \
            q[24:40] == VIP6 and struct.unpack("!HHI", q[40:48]) == (c[3], 80, cs + 1)
    # to the server from the local address, about its own segment
    return d["src"] == LIP6 and d["dst"] == srv and d["dmac"] == SRV6_MAC[srv] and \
        struct.unpack("!I", d["l4"][4:8])[0] == 1280 and q[8:24] == srv and \
        q[24:40] == LIP6 and struct.unpack("!HHI", q[40:48]) == (80, lport, ss + 1)


def check(inp, out, log):
    """Every frame out, against what the input says must come out."""
    bad = []
    fail = bad.append
    got = [d for d in map(parse, read_pcap(out)) if d is not None]
    # the servers and local ports, from the SYN-ACKs of the input
    where = {}
    for d in map(parse, read_pcap(inp)):
        if d and d["proto"] == 6 and d["flags"] == SYN | ACK:
            srv = SRV if d["v"] == 4 else SRV6
            name = next(c[0] for c in CONNS if c[5] == d["seq"])
            where[name] = (srv.index(d["src"]), d["dport"])
    if len(where) != len(CONNS):
        print("FAIL the input holds no SYN-ACK for every connection")
        return 1
    per = {c[0]: [] for c in CONNS}
    for j, d in enumerate(got):
        c = owner(d)
        if c is None:
            if not (d["proto"] == 58 and d.get("type") in (133, 134, 135, 136)):
                fail(f"out#{j + 1}: a frame of no connection (proto {d['proto']})")
            continue
        if not d["ip_ok"] or not d.get("l4_ok", False):
            fail(f"out#{j + 1}: a checksum is wrong")
        per[c[0]].append(d)
    n_relay = 0
    for c in CONNS:
        server, lport = where[c[0]]
        want = expected(c, server, lport)
        n_relay += sum(1 for w in want if w[0].startswith("ptb"))
        if len(per[c[0]]) != len(want):
            fail(f"{c[0]}: {len(per[c[0]])} frames out, want {len(want)} "
                 f"({' '.join(w[0] for w in want)})")
        for i, (d, (kind, flags, seq)) in enumerate(zip(per[c[0]], want)):
            if not frame_ok(d, kind, flags, seq, c, server, lport):
                fail(f"{c[0]}: frame {i + 1} out is not the {kind} expected "
                     f"(proto {d['proto']} flags {d.get('flags')} seq {d.get('seq')})")
    lines = open(log).read().split("\n")
    relayed = [ln for ln in lines if ln.startswith("final flows:")]
    if not relayed or not relayed[0].endswith(f"icmp_relayed {n_relay}"):
        fail(f"final icmp_relayed is not {n_relay}: {relayed[:1]}")
    moves = [ln for ln in lines if ln.startswith("final failsafe web:")]
    if not moves or " replays 1 resets 0 " not in moves[0]:
        fail(f"the fail-safe did not move exactly one request, resetting none: {moves[:1]}")
    if bad:
        for b in bad:
            print("FAIL", b)
        return 1
    n_out = sum(1 for e in ERRORS if e[4] == "out")
    n_nf = sum(1 for e in ERRORS if e[4] == "noflow")
    print(f"{len(CONNS)} connections, {len(ERRORS)} ICMP errors: {n_out} out of window and "
          f"{n_nf} of no flow left nothing on the wire; in window 1 move and {n_relay} "
          f"packets too big relayed")
    return 0


def counts():
    """drop.<reason> <n> lines the run must end with."""
    print(f"drop.icmp_out_of_window {sum(1 for e in ERRORS if e[4] == 'out')}")
    print(f"drop.icmp_no_flow {sum(1 for e in ERRORS if e[4] == 'noflow')}")


def main(argv):
    if len(argv) == 2 and argv[0] == "gen1":
        gen1(argv[1])
    elif len(argv) == 3 and argv[0] == "gen2":
        gen2(argv[1], argv[2])
    elif len(argv) == 4 and argv[0] == "check":
        return check(argv[1], argv[2], argv[3])
    elif len(argv) == 1 and argv[0] == "expected-drops":
        counts()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
