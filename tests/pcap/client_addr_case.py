#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The client-address pcap case: traffic in, the appliance's frames checked.

Services (run.sh's config): pv1 tcp 80 -> 10.1.0.11:80 proxy-v1, pv2 tcp 81 ->
10.1.0.12:81 proxy-v2, toa tcp 82 -> 10.1.0.13:82 toa, dns udp 5353 ->
10.1.0.21:5353 proxy-v2, local IP 10.1.0.1, VIP 10.0.0.1.

  gen1 OUT            the clients' SYNs only (pass 1 tells their local ports)
  gen2 FWD1 OUT       whole conversations: each server answers at the local
                      port pass 1 gave the connection; one pv2 server never
                      acknowledges its header; UDP datagrams, one too big for
                      the MTU with its header
  check IN OUT LOG    every frame the appliance sent (checksums, addresses,
                      ports, TTL, sequence and acknowledgement numbers, PROXY
                      header bytes, TOA option bytes) and its final counters
  first-header OUT    the 1-based index of the first PROXY header frame

The checker computes every expected value itself from the input. Exit 0 with
a summary, 1 with every violation (FAIL lines), 2 on usage errors.
"""
import struct
import sys

ETH = 14
GW_MAC = bytes.fromhex("0200000000fe")
PORT_MAC = bytes.fromhex("020000000001")
VIP = bytes([10, 0, 0, 1])
LIP = bytes([10, 1, 0, 1])
TRIES = 6           # NC_CA_TRIES: sends of a header before the reset

SERVICES = {        # vport: (name, mode, server ip, server port)
    80: ("pv1", "proxy-v1", bytes([10, 1, 0, 11]), 80),
    81: ("pv2", "proxy-v2", bytes([10, 1, 0, 12]), 81),
    82: ("toa", "toa", bytes([10, 1, 0, 13]), 82),
}
UDP_SRV = (bytes([10, 1, 0, 21]), 5353)
SRV_MAC = {bytes([10, 1, 0, s]): bytes.fromhex("0200000001%02d" % s) for s in (11, 12, 13, 21)}

# (client ip, client port, vport, client ISN, server ISN, silent server)
CONNS = [
    (bytes([192, 168, 7, 1]), 30001, 80, 0x11110000, 0x51000000, False),
    (bytes([192, 168, 7, 2]), 30002, 80, 0xfffffff0, 0x52000000, False),   # wraps
    (bytes([192, 168, 7, 3]), 31001, 81, 0x22220000, 0xffffffff, False),   # server wraps
    (bytes([198, 51, 100, 250]), 65535, 81, 0xffffffe5, 0x54000000, False),
    (bytes([192, 168, 7, 5]), 31003, 81, 0x33330000, 0x55000000, True),    # never acks
    (bytes([192, 168, 7, 6]), 32001, 82, 0x44440000, 0x56000000, False),
]
# (client ip, client port, payload length); the last is too big with its header
DGRAMS = [
    (bytes([192, 168, 8, 1]), 40001, 33),
    (bytes([192, 168, 8, 2]), 40002, 1500 - 20 - 8 - 28),
    (bytes([192, 168, 8, 1]), 40001, 1500 - 20 - 8 - 27),
]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def ip4(src, dst, proto, l4, ttl=64, ident=0x1234):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0x4000, ttl, proto, 0, src, dst)
    c = (~csum(hdr)) & 0xFFFF
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + l4


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", opts=b"", win=65535):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off << 4, flags,
                    win, 0, 0) + opts
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(h) + len(payload))
    c = (~csum(pseudo + h + payload)) & 0xFFFF
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def udp(src, dst, sport, dport, payload):
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, 8 + len(payload))
    c = (~csum(pseudo + h + payload)) & 0xFFFF or 0xFFFF
    return h[:6] + struct.pack("!H", c) + payload


def eth(dst, src, ip):
    return dst + src + b"\x08\x00" + ip


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1, i, len(fr), len(fr)) + fr)


def read_pcap(path):
    data = open(path, "rb").read()
    end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    frames, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return frames


def ipstr(b):
    return ".".join(str(x) for x in b)


def proxy_v1(cip, cport, vport):
    return f"PROXY TCP4 {ipstr(cip)} {ipstr(VIP)} {cport} {vport}\r\n".encode()


def proxy_v2(cip, cport, vport, proto):
    return (b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x11 if proto == 6 else 0x12, 0, 12]) +
            cip + VIP + struct.pack("!HH", cport, vport))


def header_of(conn):
    cip, cport, vport = conn[0], conn[1], conn[2]
    mode = SERVICES[vport][1]
    if mode == "proxy-v1":
        return proxy_v1(cip, cport, vport)
    if mode == "proxy-v2":
        return proxy_v2(cip, cport, vport, 6)
    return b""


def req(i):
    return b"GET /%d HTTP/1.0\r\nHost: vip\r\n\r\n" % i


def resp(i):
    return b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % i


def c_frame(conn, seq, ack, flags, payload=b""):
    cip, cport, vport = conn[0], conn[1], conn[2]
    return eth(PORT_MAC, GW_MAC, ip4(cip, VIP, 6, tcp(cip, VIP, cport, vport, seq, ack, flags, payload)))


def s_frame(conn, lport, seq, ack, flags, payload=b""):
    sip, sport = SERVICES[conn[2]][2], SERVICES[conn[2]][3]
    return eth(PORT_MAC, SRV_MAC[sip],
               ip4(sip, LIP, 6, tcp(sip, LIP, sport, lport, seq, ack, flags, payload), ttl=61))


SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04


def gen1(out):
    write_pcap(out, [c_frame(c, c[3], 0, SYN) for c in CONNS])


def parse(fr):
    """Fields of an option-less IPv4 TCP/UDP frame, or None."""
    if len(fr) < ETH + 20 or fr[12:14] != b"\x08\x00" or fr[ETH] != 0x45:
        return None
    tot = struct.unpack("!H", fr[ETH + 2:ETH + 4])[0]
    ip = fr[ETH:ETH + tot]
    d = {"dmac": fr[0:6], "smac": fr[6:12], "ttl": ip[8], "proto": ip[9], "src": ip[12:16],
         "dst": ip[16:20], "ip_ok": csum(ip[:20]) == 0xFFFF, "tot": tot, "len": len(fr)}
    l4 = ip[20:]
    pseudo = ip[12:20] + struct.pack("!BBH", 0, ip[9], len(l4))
    d["sport"], d["dport"] = struct.unpack("!HH", l4[:4])
    if ip[9] == 6:
        d["seq"], d["ack"] = struct.unpack("!II", l4[4:12])
        hl = (l4[12] >> 4) * 4
        d["flags"] = l4[13]
        d["opts"] = l4[20:hl]
        d["pay"] = l4[hl:]
        d["l4_ok"] = csum(pseudo + l4) == 0xFFFF
    elif ip[9] == 17:
        d["ulen"] = struct.unpack("!H", l4[4:6])[0]
        d["pay"] = l4[8:]
        d["l4_ok"] = l4[6:8] != b"\0\0" and csum(pseudo + l4) == 0xFFFF
    return d


def lports(fwd1):
    """Local port of each connection, from pass 1's forwarded SYNs, in order."""
    out = [parse(f) for f in read_pcap(fwd1)]
    syns = [d for d in out if d and d["proto"] == 6 and d["flags"] & SYN]
    if len(syns) != len(CONNS):
        sys.exit(f"pass 1 forwarded {len(syns)} SYNs, want {len(CONNS)}")
    return [d["sport"] for d in syns]


def gen2(fwd1, out):
    lp = lports(fwd1)
    frames = []
    for i, c in enumerate(CONNS):
        cs, ss, silent = c[3], c[4], c[5]
        h = len(header_of(c))
        q, r = req(i), resp(i)
        frames.append(c_frame(c, cs, 0, SYN))
        frames.append(s_frame(c, lp[i], ss, cs + 1, SYN | ACK))
        frames.append(c_frame(c, cs + 1, ss + 1, ACK))
        if silent:
            continue
        frames.append(c_frame(c, cs + 1, ss + 1, PSH | ACK, q))
        frames.append(s_frame(c, lp[i], ss + 1, cs + 1 + h + len(q), ACK))
        frames.append(s_frame(c, lp[i], ss + 1, cs + 1 + h + len(q), PSH | ACK, r))
        frames.append(c_frame(c, cs + 1 + len(q), ss + 1 + len(r), FIN | ACK))
        frames.append(s_frame(c, lp[i], ss + 1 + len(r), cs + 2 + h + len(q), FIN | ACK))
        frames.append(c_frame(c, cs + 2 + len(q), ss + 2 + len(r), ACK))
    for cip, cport, n in DGRAMS:
        pay = bytes((k * 7 + 3) & 0xFF for k in range(n))
        frames.append(eth(PORT_MAC, GW_MAC, ip4(cip, VIP, 17, udp(cip, VIP, cport, 5353, pay))))
    write_pcap(out, frames)


class Checker:
    def __init__(self):
        self.fails = []

    def want(self, ok, what):
        if not ok:
            self.fails.append(what)
        return ok


def check(inp, out, log):
    k = Checker()
    k.want(len(read_pcap(inp)) > len(CONNS), "the input holds no conversation")
    frames = [parse(f) for f in read_pcap(out)]
    frames = [d for d in frames if d is not None]
    for n, d in enumerate(frames):
        k.want(d["ip_ok"] and d["l4_ok"], f"frame {n + 1}: checksum wrong")
    headers = 0
    for i, c in enumerate(CONNS):
        cip, cport, vport, cs, ss, silent = c
        name, mode, sip, sport = SERVICES[vport]
        hdr = header_of(c)
        h = len(hdr)
        q, r = req(i), resp(i)
        to_srv = [d for d in frames if d["proto"] == 6 and d["dst"] == sip and d["src"] == LIP]
        # this connection's frames: by its local port, learned from its SYN
        syn = [d for d in to_srv if d["flags"] == SYN and d["seq"] == cs]
        if not k.want(len(syn) == 1, f"conn {i} ({name}): {len(syn)} SYNs forwarded, want 1"):
            continue
        lport = syn[0]["sport"]
        mine = [d for d in to_srv if d["sport"] == lport]
        back = [d for d in frames if d["proto"] == 6 and d["dst"] == cip and d["dport"] == cport]
        for d in mine:
            k.want(d["dmac"] == SRV_MAC[sip] and d["smac"] == PORT_MAC and d["dport"] == sport,
                   f"conn {i}: frame to the server with wrong MACs or port")
        for d in back:
            # forwarded (TTL 61 - 1), or the appliance's own reset (64)
            k.want(d["src"] == VIP and d["sport"] == vport and d["dmac"] == GW_MAC and
                   d["ttl"] == (64 if d["flags"] == RST else 60),
                   f"conn {i}: frame to the client with wrong address, port, MAC or TTL")
        # the appliance's own segments with bytes: TTL 64 (forwarded ones: 63)
        own = [d for d in mine if d["ttl"] == 64 and d["pay"] != b""]
        fwd = [d for d in mine if not (d["ttl"] == 64 and d["pay"] != b"")]
        k.want(mode != "toa" or not own, f"conn {i} ({name}): a header segment on a toa service")
        if mode != "toa":
            headers += len(own)
            for d in own:
                k.want(d["seq"] == (cs + 1) & 0xFFFFFFFF and d["ack"] == (ss + 1) & 0xFFFFFFFF and
                       d["flags"] == PSH | ACK and d["pay"] == hdr and d["ttl"] == 64,
                       f"conn {i}: header segment seq {d['seq']:#x} ack {d['ack']:#x} flags "
                       f"{d['flags']:#x} payload {d['pay']!r}")
            if mode == "proxy-v2":
                for d in own:
                    k.want(d["pay"][14:16] == b"\x00\x0c" and d["pay"][13] == 0x11,
                           f"conn {i}: v2 header with family/length {d['pay'][13:16].hex()}")
        want_fwd = [(SYN, cs, 0, b"", 63), (ACK, cs + 1 + h, ss + 1, b"", 63)]
        want_back = [(SYN | ACK, ss, cs + 1, b"")]
        if silent:
            want_fwd.append((RST, cs + 1, 0, b"", 64))
            want_back.append((RST, ss + 1, 0, b""))
            k.want(len(own) == TRIES, f"conn {i}: header sent {len(own)} times, want {TRIES}")
        else:
            want_fwd += [(PSH | ACK, cs + 1 + h, ss + 1, q, 63),
                         (FIN | ACK, cs + 1 + h + len(q), ss + 1 + len(r), b"", 63),
                         (ACK, cs + 2 + h + len(q), ss + 2 + len(r), b"", 63)]
            want_back += [(ACK, ss + 1, cs + 1 + len(q), b""), (PSH | ACK, ss + 1, cs + 1 + len(q), r),
                          (FIN | ACK, ss + 1 + len(r), cs + 2 + len(q), b"")]
            if mode != "toa":
                k.want(len(own) == 1, f"conn {i}: header sent {len(own)} times, want 1")
        got_f = [(d["flags"], d["seq"], d["ack"], d["pay"], d["ttl"]) for d in fwd]
        want_f = [(f, s & 0xFFFFFFFF, a & 0xFFFFFFFF, p, t) for f, s, a, p, t in want_fwd]
        k.want(got_f == want_f, f"conn {i} ({name}): to the server {fmt(got_f)}, want {fmt(want_f)}")
        got_b = [(d["flags"], d["seq"], d["ack"], d["pay"]) for d in back]
        want_b = [(f, s & 0xFFFFFFFF, a & 0xFFFFFFFF, p) for f, s, a, p in want_back]
        k.want(got_b == want_b, f"conn {i} ({name}): to the client {fmt(got_b)}, want {fmt(want_b)}")
        # TOA: in the first data segment only, after its own options
        toa = struct.pack("!BBH4s", 254, 8, cport, cip)
        for d in fwd:
            has = toa in d["opts"]
            first = d["pay"] != b"" and d["seq"] == (cs + 1) & 0xFFFFFFFF
            k.want(has == (mode == "toa" and first),
                   f"conn {i} ({name}): TOA option {'present' if has else 'absent'} in "
                   f"seq {d['seq']:#x} len {len(d['pay'])}")
    # UDP: each datagram with its header, the last one dropped
    udps = [d for d in frames if d["proto"] == 17]
    want_u = []
    for cip, cport, n in DGRAMS:
        if 20 + 8 + n + 28 <= 1500:
            pay = bytes((x * 7 + 3) & 0xFF for x in range(n))
            want_u.append((cip, cport, proxy_v2(cip, cport, 5353, 17) + pay))
    got_u = [(d["pay"][16:20], d["pay"][24:26], d["pay"]) for d in udps]
    k.want(len(udps) == len(want_u), f"udp: {len(udps)} datagrams forwarded, want {len(want_u)}")
    for d, (cip, cport, pay) in zip(udps, want_u):
        k.want(d["pay"] == pay and d["ulen"] == 8 + len(pay) and d["tot"] == 28 + len(pay) and
               d["dst"] == UDP_SRV[0] and d["dport"] == UDP_SRV[1] and d["src"] == LIP and
               d["tot"] <= 1500,
               f"udp: datagram of {cip.hex()}:{cport} wrong (length {d['ulen']}, "
               f"header {d['pay'][:28].hex()})")
    del got_u
    # what the appliance counted
    text = open(log).read()
    for line, want in (("final client_address pv1:", {"header_sent": 2, "header_resent": 0}),
                       ("final client_address pv2:", {"header_sent": 3, "header_resent": TRIES - 1,
                                                      "header_lost": 1}),
                       ("final client_address toa:", {"toa_added": 1, "toa_no_room": 0}),
                       ("final client_address dns:", {"udp_header": 2}),
                       ("final drop.ca_too_big", {"": 1})):
        got = next((ln for ln in text.splitlines() if ln.startswith(line)), None)
        if not k.want(got is not None, f"log: no line {line}"):
            continue
        words = got[len(line):].split()
        for key, v in want.items():
            val = words[0] if key == "" else (words[words.index(key) + 1] if key in words else None)
            k.want(val == str(v), f"log: {line} {key} {val}, want {v}")
    if k.fails:
        for f in k.fails:
            print("FAIL", f)
        return 1
    print(f"{len(CONNS)} connections and {len(want_u)} datagrams checked, {headers} header "
          f"segments")
    return 0


def fmt(lst):
    return "[" + ", ".join(f"{x[0]:#x}/{x[1]:#x}/{x[2]:#x}/{len(x[3])}" for x in lst) + "]"


def first_header(out):
    for n, f in enumerate(read_pcap(out)):
        d = parse(f)
        if d and d["proto"] == 6 and d["pay"][:6] in (b"PROXY ", b"\r\n\r\n\x00\r"):
            print(n + 1)
            return 0
    return 1


def main(argv):
    if len(argv) == 2 and argv[0] == "gen1":
        return gen1(argv[1]) or 0
    if len(argv) == 3 and argv[0] == "gen2":
        return gen2(argv[1], argv[2]) or 0
    if len(argv) == 4 and argv[0] == "check":
        return check(argv[1], argv[2], argv[3])
    if len(argv) == 2 and argv[0] == "first-header":
        return first_header(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
