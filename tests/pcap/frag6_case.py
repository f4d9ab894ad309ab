#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The IPv6 fragments pcap case: datagrams cut here into fragments (a
Fragment header right after the IPv6 header) go in, and what leaves is
joined here, as a receiver would, and compared field by field and byte for
byte with what each side should get.

run.sh's lab (case_frag6): port fd00::1/64 and fd01::1/64 (and 10.0.0.1/24,
10.1.0.1/24), clients behind the gateway fd00::fe; dns6 udp 5353 on the VIP
fd00::100 -> fd01::11:5353 from the local address fd01::1; dns64 udp 5353 on
fd00::164 (NAT64) -> 10.1.0.11:5353 from the local IP 10.1.0.1.

  gen1 IN             client datagrams: A 3,000 bytes to dns6 in fragments of
                      1,232 (in order), B 1,000 bytes in two (the last first),
                      C 2,000 bytes to dns64 in two, D 200 bytes to dns6 as an
                      atomic fragment (RFC 6946), E 1,000 bytes in two with
                      destination options before each Fragment header; then a
                      TCP first fragment cut inside its header and a TCP
                      fragment at offset 8 (frag_tiny, RFC 7112), and a
                      Fragment header after a hop-by-hop header (ip6_hop_by_hop)
  check1 IN OUT       the server gets A cut again to the MTU (3 IPv6
                      fragments of one identification, not 0), B, D and E whole
                      (no Fragment header), C as IPv4 from 10.1.0.1 in two
                      fragments (DF clear, one identification, each header
                      checksum right); every header field, hop limit / TTL 63,
                      the payloads intact, the UDP checksums right
  gen2 OUT1 IN2       IN plus the servers' answers to A's, B's and C's local
                      ports (from pass 1): A 2,500 bytes in two IPv6 fragments,
                      B 600 bytes in two (the last first), C 2,500 bytes in two
                      IPv4 fragments
  check2 IN2 OUT2     as check1, and the clients get the answers from their
                      VIP to their own ports: A's and C's cut again to the MTU
                      as IPv6 fragments, B's whole
  expected-drops      the drop counters (run.sh's check_drops)

Exit 0 with a summary, 1 with every violation (FAIL lines), 2 on usage errors.
"""
import ipaddress
import struct
import sys

GW_MAC = bytes.fromhex("0200000000fe")
PORT_MAC = bytes.fromhex("020000000001")
SERVER_MAC = bytes.fromhex("020000000111")
ET6, ET4 = b"\x86\xdd", b"\x08\x00"


def a6(text):
    return ipaddress.IPv6Address(text).packed


VIP6, VIP64, LIP6, SERVER6 = a6("fd00::100"), a6("fd00::164"), a6("fd01::1"), a6("fd01::11")
LIP4, SERVER4 = bytes([10, 1, 0, 1]), bytes([10, 1, 0, 11])
PORT = 5353
# name, client, client port, VIP, id, request size, cut, reversed, answer size, cut, reversed
DGRAMS = [
    ("A", a6("2001:db8:7::1"), 40001, VIP6, 0x0A0A0A01, 3000, 1232, False, 2500, 1448, False),
    ("B", a6("2001:db8:7::2"), 40002, VIP6, 0x0B0B0B02, 1000, 512, True, 600, 304, True),
    ("C", a6("2001:db8:7::3"), 40003, VIP64, 0x0C0C0C03, 2000, 1024, False, 2500, 1480, False),
]
ATOMIC = ("D", a6("2001:db8:7::4"), 40004, 200)
# name, client, client port, id, size, cut: to dns6 with destination options
# before each fragment's Fragment header (its unfragmentable part)
EXT = ("E", a6("2001:db8:7::5"), 40005, 0x0E0E0E05, 1000, 512)
DOPT = b"\x2c\x00\x01\x04\x00\x00\x00\x00"   # next: Fragment; PadN


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def payload(name, n):
    return bytes((i * 11 + ord(name[0])) & 0xFF for i in range(n))


def udp(src, dst, sport, dport, data):
    """UDP header and data, the checksum over the IPv6 or IPv4 pseudo header."""
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    if len(src) == 16:
        pseudo = src + dst + struct.pack("!IxxxB", 8 + len(data), 17)
    else:
        pseudo = src + dst + struct.pack("!BBH", 0, 17, 8 + len(data))
    c = (~csum(pseudo + hdr + data)) & 0xFFFF
    return hdr[:6] + struct.pack("!H", c or 0xFFFF) + data


def ip6_hdr(src, dst, nh, length, hop=64):
    return struct.pack("!IHBB16s16s", 6 << 28, length, nh, hop, src, dst)


def ip4_hdr(src, dst, proto, length, ident, frag, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, ident, frag, ttl, proto, 0, src, dst)
    return hdr[:10] + struct.pack("!H", (~csum(hdr)) & 0xFFFF) + hdr[12:]


def frags6(dst_mac, src_mac, src, dst, nh, data, ident, cut, reverse, pre=b""):
    """Ethernet frames of IPv6 fragments of <data> (past the IPv6 header) cut
    every <cut> bytes; <pre>: destination options before each Fragment header."""
    out = []
    for ofs in range(0, len(data), cut):
        part = data[ofs:ofs + cut]
        more = 1 if ofs + cut < len(data) else 0
        fh = struct.pack("!BBHI", nh, 0, ofs | more, ident)
        out.append(dst_mac + src_mac + ET6 + ip6_hdr(src, dst, 60 if pre else 44, len(pre) + 8 + len(part)) +
                   pre + fh + part)
    return out[::-1] if reverse else out


def frags4(dst_mac, src_mac, src, dst, data, ident, cut):
    out = []
    for ofs in range(0, len(data), cut):
        part = data[ofs:ofs + cut]
        more = 0x2000 if ofs + cut < len(data) else 0
        out.append(dst_mac + src_mac + ET4 + ip4_hdr(src, dst, 17, len(part), ident, more | ofs // 8) + part)
    return out


def refused_frames():
    cli = a6("2001:db8:7::9")
    tcp = struct.pack("!HHIIBBHHH", 40009, 80, 1, 0, 8 << 4, 0x02, 65535, 0, 0) + b"\x01" * 12
    first = frags6(PORT_MAC, GW_MAC, cli, VIP6, 6, tcp[:16], 0x0909, 16, False)[0]
    # make it a first fragment with M set: 16 bytes of a 32-byte header
    first = first[:14 + 40 + 2] + struct.pack("!H", 1) + first[14 + 40 + 4:]
    at8 = PORT_MAC + GW_MAC + ET6 + ip6_hdr(cli, VIP6, 44, 8 + 16) + \
        struct.pack("!BBHI", 6, 0, 8 | 1, 0x0a0a) + tcp[8:24]
    hbh = b"\x2c\x00\x01\x04\x00\x00\x00\x00"    # next: Fragment; PadN
    body = udp(cli, VIP6, 40010, PORT, b"x" * 16)
    after = PORT_MAC + GW_MAC + ET6 + ip6_hdr(cli, VIP6, 0, 8 + 8 + len(body)) + hbh + \
        struct.pack("!BBHI", 17, 0, 1, 0x0b0b) + body
    return [first, at8, after]


def gen1():
    frames = []
    for name, cli, cport, vip, ident, size, cut, rev, *_ in DGRAMS:
        data = udp(cli, vip, cport, PORT, payload(name, size))
        frames += frags6(PORT_MAC, GW_MAC, cli, vip, 17, data, ident, cut, rev)
    name, cli, cport, size = ATOMIC
    data = udp(cli, VIP6, cport, PORT, payload(name, size))
    frames += frags6(PORT_MAC, GW_MAC, cli, VIP6, 17, data, 0x0D0D, len(data), False)
    name, cli, cport, ident, size, cut = EXT
    data = udp(cli, VIP6, cport, PORT, payload(name, size))
    frames += frags6(PORT_MAC, GW_MAC, cli, VIP6, 17, data, ident, cut, False, DOPT)
    return frames + refused_frames()


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
    """Datagrams the frames make, as a receiver joins them. IPv6: a frame
    without a Fragment header is a datagram of its own; fragments by (src,
    dst, id), each with its header right after the IPv6 header, reserved 0,
    id not 0, every piece but the last a multiple of 8, the same IPv6 header
    but for the payload length. IPv4: by (src, dst, id), each header's
    checksum right, DF clear on fragments. No frame over 1,514 bytes; ARP
    and ICMPv6 (the appliance's announcements) left out.
    Returns {key: (family, eth, l3 header as joined, l4 bytes, pieces)}."""
    parts, out, n = {}, {}, 0
    for fr in frames:
        # the appliance's own ARP and Neighbor Discovery: not datagrams
        if fr[12:14] == b"\x08\x06" or (fr[12:14] == ET6 and len(fr) > 54 and fr[20] == 58):
            continue
        if len(fr) > 1514:
            bad.append(f"a frame of {len(fr)} bytes")
        n += 1
        if fr[12:14] == ET6:
            ip = fr[14:54]
            plen = struct.unpack("!H", ip[4:6])[0]
            if len(fr) < 54 + plen:
                bad.append(f"IPv6 frame shorter than its payload length {plen}")
                continue
            if ip[6] != 44:
                out[("whole6", n)] = (6, fr[:14], ip, fr[54:54 + plen], 1)
                continue
            nh, res, fd, ident = struct.unpack("!BBHI", fr[54:62])
            if res != 0 or ident == 0:
                bad.append(f"Fragment header reserved {res}, identification {ident}")
            body = fr[62:54 + plen]
            if fd & 1 and len(body) % 8:
                bad.append(f"a fragment of {len(body)} bytes with M set")
            hdr = ip[:4] + ip[6:]
            parts.setdefault((6, ip[8:24], ip[24:40], ident), []).append(
                (fd & ~7, fd & 1, fr[:14], hdr, nh, body))
        elif fr[12:14] == ET4:
            ip = fr[14:34]
            if csum(ip) != 0xFFFF:
                bad.append(f"IP header checksum wrong: {ip.hex()}")
            tot, ident, frag = struct.unpack("!HHH", ip[2:8])
            if (frag & 0x3FFF) and frag & 0x4000:
                bad.append(f"IPv4 fragment {ident:#x} with DF")
            parts.setdefault((4, ip[12:16], ip[16:20], ident), []).append(
                ((frag & 0x1FFF) * 8, frag & 0x2000, fr[:14], ip[:2] + ip[4:6] + ip[8:10] + ip[12:], ip[9],
                 fr[34:14 + tot]))
        else:
            bad.append(f"a frame of ethertype {fr[12:14].hex()}")
    for key, ps in parts.items():
        ps.sort(key=lambda p: p[0])
        data, ok = b"", True
        for i, (ofs, more, eth, hdr, nh, body) in enumerate(ps):
            if ofs != len(data) or bool(more) != (i + 1 < len(ps)) or hdr != ps[0][3] or \
               eth != ps[0][2] or nh != ps[0][4]:
                ok = False
            data += body
        if not ok:
            bad.append(f"datagram {key[3]:#x}: a hole, an overlap, M wrong or headers differ")
        if key[0] == 6:
            h = ps[0][3]
            ip = h[:4] + struct.pack("!H", len(data)) + bytes([ps[0][4]]) + h[5:]
        else:
            h = ps[0][3]
            ip = h[:2] + struct.pack("!H", 20 + len(data)) + h[2:4] + b"\0\0" + h[4:5] + bytes([ps[0][4]]) + \
                b"\0\0" + h[6:]
        out[key] = (key[0], ps[0][2], ip, data, len(ps))
    return out


def expect_dgram(got, bad, what, fam, eth, src, dst, sport, dport, data, pieces):
    """One datagram of <got> of family <fam> from <src> to <dst>: Ethernet
    <eth>, hop limit / TTL 63, traffic class / TOS 0, flow label 0, UDP
    <sport> (None: any of the datagrams as long as <data>; the port is
    returned) to <dport>, <data>, in <pieces> frames."""
    for key, (f, g_eth, ip, l4, n) in got.items():
        if f != fam or len(l4) < 8:
            continue
        s, d = (ip[8:24], ip[24:40]) if fam == 6 else (ip[12:16], ip[16:20])
        if s != src or d != dst:
            continue
        sp, dp = struct.unpack("!HH", l4[:4])
        if dp != dport or (sport is not None and sp != sport) or \
           (sport is None and len(l4) != 8 + len(data)):
            continue
        if g_eth != eth:
            bad.append(f"{what}: Ethernet {g_eth.hex()}, want {eth.hex()}")
        if fam == 6:
            if ip[:4] != struct.pack("!I", 6 << 28) or ip[6] != 17 or ip[7] != 63 or \
               struct.unpack("!H", ip[4:6])[0] != len(l4):
                bad.append(f"{what}: IPv6 header {ip[:8].hex()}, want 60000000 {len(l4):04x} 11 3f")
        else:
            if ip[0] != 0x45 or ip[1] != 0 or ip[8] != 63 or ip[9] != 17:
                bad.append(f"{what}: IPv4 header {ip[:12].hex()}, want 45 00 .. TTL 63 proto 17")
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


def pieces6(l4len):
    return 1 if 40 + l4len <= 1500 else -(-l4len // 1448)


def pieces4(l4len):
    return 1 if 20 + l4len <= 1500 else -(-l4len // 1480)


def check_server_side(got, bad):
    eth = SERVER_MAC + PORT_MAC
    lports = {}
    for name, cli, cport, vip, ident, size, *_ in DGRAMS:
        if vip == VIP64:
            lports[name] = expect_dgram(got, bad, f"request {name}", 4, eth + ET4, LIP4, SERVER4, None, PORT,
                                        payload(name, size), pieces4(size + 8))
        else:
            lports[name] = expect_dgram(got, bad, f"request {name}", 6, eth + ET6, LIP6, SERVER6, None, PORT,
                                        payload(name, size), pieces6(size + 8))
    name, cli, cport, size = ATOMIC
    expect_dgram(got, bad, "atomic fragment D", 6, eth + ET6, LIP6, SERVER6, None, PORT, payload(name, size), 1)
    name, cli, cport, ident, size, cut = EXT
    expect_dgram(got, bad, "request E (destination options before its fragments' headers)", 6, eth + ET6,
                 LIP6, SERVER6, None, PORT, payload(name, size), 1)
    return lports


def answers(lports):
    frames = []
    for name, cli, cport, vip, ident, size, cut, rev, asize, acut, arev in DGRAMS:
        if vip == VIP64:
            data = udp(SERVER4, LIP4, PORT, lports[name], payload(name.lower(), asize))
            frames += frags4(PORT_MAC, SERVER_MAC, SERVER4, LIP4, data, ident & 0xFFFF, acut)
        else:
            data = udp(SERVER6, LIP6, PORT, lports[name], payload(name.lower(), asize))
            frames += frags6(PORT_MAC, SERVER_MAC, SERVER6, LIP6, 17, data, ident + 1, acut, arev)
    return frames


def finish(bad, summary):
    for b in bad:
        print("FAIL", b)
    if bad:
        sys.exit(1)
    print(summary)


def unexpected(got, bad):
    for key in got:
        bad.append(f"an unexpected datagram {key}")


def main(argv):
    if len(argv) >= 2 and argv[1] == "expected-drops":
        print("drop.frag_tiny 2")
        print("drop.ip6_hop_by_hop 1")
        return
    if len(argv) == 3 and argv[1] == "gen1":
        write_pcap(argv[2], gen1())
        return
    if len(argv) == 4 and argv[1] == "check1":
        bad = []
        got = join(read_pcap(argv[3]), bad)
        check_server_side(got, bad)
        unexpected(got, bad)
        finish(bad, "requests A (cut again to 3), B, D and E reached the IPv6 server whole, C the IPv4 one (in 2)")
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
        for name, cli, cport, vip, ident, size, cut, rev, asize, *_ in DGRAMS:
            expect_dgram(got, bad, f"answer {name}", 6, GW_MAC + PORT_MAC + ET6, vip, cli, PORT, cport,
                         payload(name.lower(), asize), pieces6(asize + 8))
        unexpected(got, bad)
        finish(bad, "requests reached the servers, answers the clients (A's and C's cut again to 2)")
        return
    print(__doc__, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
