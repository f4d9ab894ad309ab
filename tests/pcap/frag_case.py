#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The IPv4 fragments pcap case: datagrams cut here into fragments go in,
and what leaves is joined here, as a receiver would, and compared byte for
byte with what each side should get.

run.sh's lab: VIP and port address 10.0.0.1, local IP 10.1.0.1, a UDP
service dns 5353 -> 10.1.0.11:5353 (a static neighbor), clients behind the
gateway 10.0.0.254.

  gen1 IN             client datagrams: A 3,000 bytes in fragments of 1,480
                      (in order), B 1,000 bytes in two (the last first); then
                      a TCP first fragment cut inside its header and a TCP
                      fragment at offset 8 (frag_tiny, RFC 3128); C, a
                      fragment overlapping the one before and the right one
                      after it (frag_overlap, RFC 1858), the first left to
                      expire; D, a first fragment alone (frag_expired)
  check1 IN OUT       the server gets A cut again to the MTU (3 fragments)
                      and B whole, from 10.1.0.1 to 10.1.0.11:5353, TTL 63,
                      the payloads intact, the UDP checksum right
  gen2 OUT1 IN2       IN plus the server's answers to A's and B's local ports
                      (from pass 1): 2,500 bytes in two fragments, 600 bytes
                      in two (the last first)
  check2 IN2 OUT2     as check1, and the clients get the answers from the VIP
                      to their own ports, A's cut again to the MTU
  expected-drops      the drop counters (run.sh's check_drops)

Exit 0 with a summary, 1 with every violation (FAIL lines), 2 on usage errors.
"""
import struct
import sys

GW_MAC = bytes.fromhex("0200000000fe")
PORT_MAC = bytes.fromhex("020000000001")
SERVER_MAC = bytes.fromhex("020000000111")
VIP = bytes([10, 0, 0, 1])
LIP = bytes([10, 1, 0, 1])
SERVER = bytes([10, 1, 0, 11])
PORT = 5353
# name, client address, client port, IP id, request size, request cut, reversed,
#   answer size, answer cut, answer reversed
DGRAMS = [
    ("A", bytes([192, 168, 7, 1]), 40001, 0x0101, 3000, 1480, False, 2500, 1480, False),
    ("B", bytes([192, 168, 7, 2]), 40002, 0x0202, 1000, 512, True, 600, 304, True),
]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def payload(name, n):
    return bytes((i * 7 + ord(name[0])) & 0xFF for i in range(n))


def udp(src, dst, sport, dport, data):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, 8 + len(data))
    c = (~csum(pseudo + hdr + data)) & 0xFFFF
    return hdr[:6] + struct.pack("!H", c or 0xFFFF) + data


def ip_hdr(src, dst, proto, length, ident, frag, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, ident, frag, ttl, proto, 0, src, dst)
    return hdr[:10] + struct.pack("!H", (~csum(hdr)) & 0xFFFF) + hdr[12:]


def fragments(dst_mac, src_mac, src, dst, proto, l4, ident, cut, reverse):
    """Ethernet frames of the fragments of <l4> cut every <cut> bytes."""
    out = []
    for ofs in range(0, len(l4), cut):
        part = l4[ofs:ofs + cut]
        more = 0x2000 if ofs + cut < len(l4) else 0
        out.append(dst_mac + src_mac + b"\x08\x00" +
                   ip_hdr(src, dst, proto, len(part), ident, more | ofs // 8) + part)
    return out[::-1] if reverse else out


def tiny_frames():
    tcp = struct.pack("!HHIIBBHHH", 40009, 80, 1, 0, 8 << 4, 0x02, 65535, 0, 0) + b"\x01" * 12
    cli = bytes([192, 168, 7, 9])
    first = PORT_MAC + GW_MAC + b"\x08\x00" + ip_hdr(cli, VIP, 6, 24, 0x0909, 0x2000) + tcp[:24]
    at8 = PORT_MAC + GW_MAC + b"\x08\x00" + ip_hdr(cli, VIP, 6, 16, 0x0a0a, 1) + tcp[8:24]
    return [first, at8]


def broken_frames():
    """C: a first fragment, then one overlapping its last 8 bytes and the
    right last fragment after it (both frag_overlap; the first expires);
    D: a first fragment whose rest never comes (frag_expired)."""
    c_cli, d_cli = bytes([192, 168, 7, 3]), bytes([192, 168, 7, 4])
    c = udp(c_cli, VIP, 40003, PORT, payload("C", 1992))
    d = udp(d_cli, VIP, 40004, PORT, payload("D", 1992))
    head = PORT_MAC + GW_MAC + b"\x08\x00"
    return [head + ip_hdr(c_cli, VIP, 17, 1480, 0x0303, 0x2000) + c[:1480],
            head + ip_hdr(c_cli, VIP, 17, len(c) - 1472, 0x0303, 1472 // 8) + c[1472:],
            head + ip_hdr(c_cli, VIP, 17, len(c) - 1480, 0x0303, 1480 // 8) + c[1480:],
            head + ip_hdr(d_cli, VIP, 17, 1480, 0x0404, 0x2000) + d[:1480]]


def gen1():
    frames = []
    for name, cli, cport, ident, size, cut, rev, *_ in DGRAMS:
        l4 = udp(cli, VIP, cport, PORT, payload(name, size))
        frames += fragments(PORT_MAC, GW_MAC, cli, VIP, 17, l4, ident, cut, rev)
    return frames + tiny_frames() + broken_frames()


def write_pcap(path, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            out.write(struct.pack("<IIII", 1, i, len(fr), len(fr)) + fr)


def read_pcap(path):
    data = open(path, "rb").read()
    end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    frames, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return frames


def join(frames, bad):
    """Datagrams the IPv4 frames make, as a receiver joins them: by (src,
    dst, id), each fragment's header checksum right and no frame over 1,514
    bytes. Returns {(src, dst, id): (eth, first header, l4 bytes, pieces)}."""
    parts = {}
    for fr in frames:
        if fr[12:14] != b"\x08\x00":
            continue
        ip = fr[14:34]
        if len(fr) > 1514:
            bad.append(f"a frame of {len(fr)} bytes")
        if csum(ip) != 0xFFFF:
            bad.append(f"IP header checksum wrong: {ip.hex()}")
        tot, ident, frag = struct.unpack("!H H H", ip[2:8])
        key = (ip[12:16], ip[16:20], ident)
        parts.setdefault(key, []).append(((frag & 0x1FFF) * 8, frag & 0x2000, fr[:14], ip,
                                          fr[34:14 + tot]))
    out = {}
    for key, ps in parts.items():
        ps.sort(key=lambda p: p[0])
        data, ok = b"", True
        for i, (ofs, more, eth, ip, body) in enumerate(ps):
            if ofs != len(data) or bool(more) != (i + 1 < len(ps)):
                ok = False
            data += body
        if not ok:
            bad.append(f"datagram {key[2]:#x}: a hole, an overlap or MF wrong")
        out[key] = (ps[0][2], ps[0][3], data, len(ps))
    return out


def expect_dgram(got, bad, what, eth, src, dst, sport, dport, data, pieces):
    """One datagram of <got> from <src> to <dst>: Ethernet <eth>, TTL 63,
    UDP <sport> (None: any, returned) to <dport>, <data>, in <pieces>."""
    for key, (g_eth, ip, l4, n) in got.items():
        if key[0] != src or key[1] != dst or len(l4) < 8:
            continue
        sp, dp = struct.unpack("!HH", l4[:4])
        if dp != dport or (sport is not None and sp != sport):
            continue
        if g_eth != eth:
            bad.append(f"{what}: Ethernet {g_eth.hex()}, want {eth.hex()}")
        if ip[8] != 63:
            bad.append(f"{what}: TTL {ip[8]}, want 63")
        if l4[8:] != data:
            bad.append(f"{what}: payload differs ({len(l4) - 8} bytes, want {len(data)})")
        if l4 != udp(src, dst, sp, dp, data):
            bad.append(f"{what}: UDP header {l4[:8].hex()}, want {udp(src, dst, sp, dp, data)[:8].hex()}")
        if n != pieces:
            bad.append(f"{what}: in {n} frames, want {pieces}")
        del got[key]
        return sp
    bad.append(f"{what}: not sent")
    return None


def check_server_side(got, bad):
    lports = {}
    for name, cli, cport, ident, size, *_ in DGRAMS:
        pieces = -(-(size + 8) // 1480) if size + 28 > 1500 else 1
        lports[name] = expect_dgram(got, bad, f"request {name}", SERVER_MAC + PORT_MAC + b"\x08\x00", LIP,
                                    SERVER, None, PORT, payload(name, size), pieces)
    return lports


def answers(lports):
    frames = []
    for name, cli, cport, ident, size, cut, rev, asize, acut, arev in DGRAMS:
        l4 = udp(SERVER, LIP, PORT, lports[name], payload(name.lower(), asize))
        frames += fragments(PORT_MAC, SERVER_MAC, SERVER, LIP, 17, l4, ident + 1, acut, arev)
    return frames


def finish(bad, summary):
    for b in bad:
        print("FAIL", b)
    if bad:
        sys.exit(1)
    print(summary)


def main(argv):
    if len(argv) >= 2 and argv[1] == "expected-drops":
        print("drop.frag_tiny 2")
        print("drop.frag_overlap 2")
        print("drop.frag_expired 2")
        return
    if len(argv) == 3 and argv[1] == "gen1":
        write_pcap(argv[2], gen1())
        return
    if len(argv) == 4 and argv[1] == "check1":
        bad = []
        got = join(read_pcap(argv[3]), bad)
        check_server_side(got, bad)
        for key in got:
            bad.append(f"an unexpected datagram {key[2]:#x}")
        finish(bad, "requests A (cut again to 3) and B reached the server whole")
        return
    if len(argv) == 4 and argv[1] == "gen2":
        bad = []
        lports = check_server_side(join(read_pcap(argv[2]), bad), bad)
        if bad:
            finish(bad, "")
        write_pcap(argv[3], gen1() + answers(lports))
        return
    if len(argv) == 4 and argv[1] == "check2":
        bad = []
        got = join(read_pcap(argv[3]), bad)
        check_server_side(got, bad)
        for name, cli, cport, ident, size, cut, rev, asize, *_ in DGRAMS:
            pieces = -(-(asize + 8) // 1480) if asize + 28 > 1500 else 1
            expect_dgram(got, bad, f"answer {name}", GW_MAC + PORT_MAC + b"\x08\x00", VIP, cli, PORT, cport,
                         payload(name.lower(), asize), pieces)
        for key in got:
            bad.append(f"an unexpected datagram {key[2]:#x}")
        finish(bad, "requests reached the server, answers the clients (A's cut again to 2)")
        return
    print(__doc__, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
