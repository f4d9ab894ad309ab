#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The neighbors-and-sources pcap case: hostile frames in, the appliance's
frames checked.

run.sh's lab: VIP and port address 10.0.0.1, local IP 10.1.0.1, web tcp 80 ->
10.1.0.31:80, a server with no static neighbor (resolved by ARP), 10.1.0.11 a
static neighbor, clients behind the gateway 10.0.0.254.

  gen IN              the frames, in this order:
                      ARP replies for the server 10.1.0.31 with a broadcast,
                      zero, multicast and the port's own sender MAC (never
                      learned: arp_invalid); a gratuitous ARP for the VIP
                      (neither learned nor answered: arp_conflict); a request
                      for an address not ours (arp_not_for_us); a reply from
                      the static 10.1.0.11 with another MAC (neigh_reply_static);
                      a request for the VIP from 10.0.0.60 (answered); SYNs to
                      the VIP from 127.0.0.1, 224.0.0.5, 0.0.0.1, 240.0.0.1
                      (src_martian), from the VIP itself (src_ours), from the
                      server (src_server); SYN+FIN, SYN+RST and no flag from a
                      client (tcp_bad_flags); an echo request from 127.0.0.1
                      (src_martian); a client's SYN (its flow opens, but its
                      server is unresolved: neigh_unresolved)
  check IN OUT        what the appliance sent: its broadcast ARP requests for
                      10.1.0.31 and its own addresses' announcements, one ARP
                      reply to 10.0.0.60 - and nothing else:
                      no frame to a group, zero or own MAC, no IPv4 frame

Exit 0 with a summary, 1 with every violation (FAIL lines), 2 on usage errors.
"""
import struct
import sys

GW_MAC = bytes.fromhex("0200000000fe")
PORT_MAC = bytes.fromhex("020000000001")
BCAST = b"\xff" * 6
VIP = bytes([10, 0, 0, 1])
LIP = bytes([10, 1, 0, 1])
SERVER = bytes([10, 1, 0, 31])
SERVER_MAC = bytes.fromhex("020000000131")
STATIC = bytes([10, 1, 0, 11])
HOST = bytes([10, 0, 0, 60])
HOST_MAC = bytes.fromhex("02000000003c")
BAD_MACS = [BCAST, b"\0" * 6, bytes.fromhex("01005e000005"), PORT_MAC]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def ip4(src, dst, proto, l4, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0x1234, 0x4000, ttl, proto, 0, src, dst)
    c = (~csum(hdr)) & 0xFFFF
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + l4


def tcp(src, dst, sport, dport, flags):
    h = struct.pack("!HHIIBBHHH", sport, dport, 0x1000, 0, 5 << 4, flags, 65535, 0, 0)
    c = (~csum(src + dst + struct.pack("!BBH", 0, 6, len(h)) + h)) & 0xFFFF
    return h[:16] + struct.pack("!H", c) + h[18:]


def icmp_echo(ident):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"neigh"
    return h[:2] + struct.pack("!H", (~csum(h)) & 0xFFFF) + h[4:]


def arp(op, eth_dst, eth_src, sha, sip, tha, tip):
    return (eth_dst + eth_src + b"\x08\x06" +
            struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + sip + tha + tip + b"\0" * 18)


def syn(src, sport, flags=0x02):
    return PORT_MAC + GW_MAC + b"\x08\x00" + ip4(src, VIP, 6, tcp(src, VIP, sport, 80, flags))


def frames_in():
    f = []
    for mac in BAD_MACS:
        f.append(arp(2, PORT_MAC, SERVER_MAC, mac, SERVER, PORT_MAC, LIP))
    f.append(arp(1, BCAST, bytes.fromhex("020000000066"), bytes.fromhex("020000000066"), VIP,
                 b"\0" * 6, VIP))
    f.append(arp(1, BCAST, HOST_MAC, HOST_MAC, HOST, b"\0" * 6, bytes([10, 0, 0, 77])))
    f.append(arp(2, PORT_MAC, bytes.fromhex("020000000099"), bytes.fromhex("020000000099"),
                 STATIC, PORT_MAC, LIP))
    f.append(arp(1, BCAST, HOST_MAC, HOST_MAC, HOST, b"\0" * 6, VIP))
    for i, src in enumerate([[127, 0, 0, 1], [224, 0, 0, 5], [0, 0, 0, 1], [240, 0, 0, 1],
                             list(VIP), list(SERVER)]):
        f.append(syn(bytes(src), 20000 + i))
    for i, flags in enumerate([0x03, 0x06, 0x00]):   # SYN+FIN, SYN+RST, none
        f.append(syn(bytes([192, 168, 9, 1]), 21000 + i, flags))
    lo = bytes([127, 0, 0, 1])
    f.append(PORT_MAC + GW_MAC + b"\x08\x00" + ip4(lo, VIP, 1, icmp_echo(7)))
    f.append(syn(bytes([192, 168, 9, 2]), 22000))
    return f


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


def check(path_out):
    bad, requests, replies = [], 0, 0
    for i, fr in enumerate(read_pcap(path_out), 1):
        dst, src, etype = fr[0:6], fr[6:12], fr[12:14]
        if src != PORT_MAC:
            bad.append(f"frame {i}: from {src.hex(':')}, not the port's MAC")
        if etype != b"\x08\x06":
            bad.append(f"frame {i}: ethertype {etype.hex()} to {dst.hex(':')}: only ARP may leave")
            continue
        op = struct.unpack("!H", fr[20:22])[0]
        tip = fr[38:42]
        if op == 1 and dst == BCAST and tip == SERVER:
            requests += 1
        elif op == 1 and dst == BCAST and tip in (VIP, LIP) and fr[28:32] == tip:
            pass   # our own announcements at start (gratuitous ARP)
        elif op == 2 and dst == HOST_MAC and tip == HOST and fr[32:38] == HOST_MAC:
            replies += 1
        else:
            bad.append(f"frame {i}: ARP op {op} to {dst.hex(':')} for {'.'.join(map(str, tip))}")
    if requests == 0:
        bad.append("no ARP request for the unresolved server 10.1.0.31")
    if replies != 1:
        bad.append(f"{replies} ARP replies to 10.0.0.60, want 1 (a gratuitous ARP answered?)")
    for b in bad:
        print("FAIL " + b)
    if bad:
        return 1
    print(f"{requests} ARP requests for the server, 1 reply; nothing to a bad MAC, nothing forwarded")
    return 0


def main(argv):
    if len(argv) == 2 and argv[0] == "gen":
        write_pcap(argv[1], frames_in())
        return 0
    if len(argv) == 3 and argv[0] == "check":
        return check(argv[2])
    print("usage: neigh_case.py gen IN | check IN OUT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
