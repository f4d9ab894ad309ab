#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The SYN cookie pcap case (syn_proxy "on"): traffic in, the frames checked.

Service (run.sh's config): web tcp 80 -> 10.1.0.11:80, syn_proxy "on", local IP
10.1.0.1, VIP 10.0.0.1; limits.syn_cookie_secret = SECRET (64 hex digits), so
that this script computes the cookies the appliance makes and accepts
(lib/net/nc_syncookie.h: SipHash-2-4, the wall clock's milliseconds mod 2^32
>> 16 as the time counter).

  gen OUT SECRET      two SYNs (Linux's options; none), then ACKs of no SYN
                      seen: two with valid cookies (timestamps carrying window
                      scale 7 and SACK; none, MSS index 1), a forged one, an
                      expired one (two counts old), one with an MSS index no
                      cookie carries
  check IN OUT LOG SECRET
                      the SYN-ACKs: every byte (the cookie recomputed, the
                      TSval's low 6 bits); the SYNs to the server for the valid
                      ACKs: every byte but the local port, and the same SYN
                      again (no server answers: the appliance's one-second
                      timer, three times at most, counted as syn_again);
                      nothing else; the
                      final drop counters: 2 syncookie_bad, 1 syncookie_expired;
                      the service's syn_proxy events

Exit 0 with a summary, 1 with every violation (FAIL lines), 2 on usage errors.
"""
import struct
import sys
import time

from client_addr_case import csum, eth, ip4, read_pcap, tcp, write_pcap

GW_MAC = bytes.fromhex("0200000000fe")
PORT_MAC = bytes.fromhex("020000000001")
SRV_MAC = bytes.fromhex("020000000111")
VIP = bytes([10, 0, 0, 1])
LIP = bytes([10, 1, 0, 1])
SRV = bytes([10, 1, 0, 11])
MSS = [536, 1300, 1440, 1460]
M64 = (1 << 64) - 1

SYN, ACK, PSH = 0x02, 0x10, 0x08
LINUX_OPTS = bytes([2, 4, 0x05, 0xb4, 4, 2, 8, 10]) + struct.pack("!II", 0x01020304, 0) + bytes([1, 3, 3, 7])

# client ip, port, ISN
SYN_A = (bytes([192, 168, 9, 1]), 30001, 0x11110000)     # Linux's options
SYN_B = (bytes([192, 168, 9, 2]), 30002, 0xfffffff0)     # none
ACK_C = (bytes([192, 168, 9, 3]), 30003, 0x33330000)     # valid, timestamps
ACK_D = (bytes([192, 168, 9, 4]), 30004, 0x44440000)     # valid, no options, MSS index 1
ACK_F = (bytes([192, 168, 9, 5]), 30005, 0x55550000)     # forged
ACK_E = (bytes([192, 168, 9, 6]), 30006, 0x66660000)     # expired
ACK_M = (bytes([192, 168, 9, 7]), 30007, 0x77770000)     # MSS index 5


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def sipround(v):
    v0, v1, v2, v3 = v
    v0 = (v0 + v1) & M64; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
    v2 = (v2 + v3) & M64; v3 = rotl(v3, 16); v3 ^= v2
    v0 = (v0 + v3) & M64; v3 = rotl(v3, 21); v3 ^= v0
    v2 = (v2 + v1) & M64; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
    return [v0, v1, v2, v3]


def siphash24(k0, k1, words):
    """SipHash-2-4 of 8 * len(words) bytes given as little-endian 64-bit words."""
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261,
         k1 ^ 0x7465646279746573]
    for m in list(words) + [(8 * len(words)) << 56]:
        v[3] ^= m
        v = sipround(sipround(v))
        v[0] ^= m
    v[2] ^= 0xff
    for _ in range(4):
        v = sipround(v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def keys(secret):
    b = bytes.fromhex(secret)
    w = struct.unpack("<4Q", b)
    return ((w[0], w[1]), (w[2], w[3]))


def chash(key, which, cip, cport, count):
    # the packet's bytes as a little-endian machine loads them (network order in memory)
    saddr = struct.unpack("<I", cip)[0]
    daddr = struct.unpack("<I", VIP)[0]
    sport = struct.unpack("<H", struct.pack("!H", cport))[0]
    dport = struct.unpack("<H", struct.pack("!H", 80))[0]
    k0, k1 = key[which]
    return siphash24(k0, k1, [(saddr << 32) | daddr, (sport << 48) | (dport << 32) | count]) & 0xFFFFFFFF


def cookie(key, cip, cport, isn, count, mssi):
    return (chash(key, 0, cip, cport, 0) + isn + ((count & 0xFF) << 24) +
            ((chash(key, 1, cip, cport, count) + mssi) & 0xFFFFFF)) & 0xFFFFFFFF


def now_count():
    return (int(time.time() * 1000) & 0xFFFFFFFF) >> 16


def client_frame(conn, seq, ack, flags, opts=b"", payload=b""):
    cip, cport, _ = conn
    return eth(PORT_MAC, GW_MAC, ip4(cip, VIP, 6, tcp(cip, VIP, cport, 80, seq, ack, flags, payload,
                                                       opts, win=64240), ttl=57))


def ts_opt(tsval, tsecr):
    return bytes([1, 1, 8, 10]) + struct.pack("!II", tsval, tsecr)


def gen(out, secret):
    key = keys(secret)
    c = now_count()
    frames = [client_frame(SYN_A, SYN_A[2], 0, SYN, LINUX_OPTS),
              client_frame(SYN_B, SYN_B[2], 0, SYN)]
    # the client echoes the SYN-ACK's TSval: its low 6 bits say scale 7 and SACK
    frames.append(client_frame(ACK_C, ACK_C[2] + 1, cookie(key, ACK_C[0], ACK_C[1], ACK_C[2], c, 3) + 1,
                               ACK, ts_opt(0x0a0b0c0d, 0x7700 | 0x10 | 7)))
    frames.append(client_frame(ACK_D, ACK_D[2] + 1, cookie(key, ACK_D[0], ACK_D[1], ACK_D[2], c, 1) + 1, ACK))
    frames.append(client_frame(ACK_F, ACK_F[2] + 1, 0x5eed5eed, ACK))
    frames.append(client_frame(ACK_E, ACK_E[2] + 1, cookie(key, ACK_E[0], ACK_E[1], ACK_E[2], c - 2, 3) + 1,
                               ACK))
    frames.append(client_frame(ACK_M, ACK_M[2] + 1, cookie(key, ACK_M[0], ACK_M[1], ACK_M[2], c, 5) + 1,
                               ACK))
    write_pcap(out, frames)


class Checker:
    def __init__(self):
        self.fails = []

    def fail(self, msg):
        self.fails.append(msg)


def own_frame(dst_mac, src, dst, sport, dport, seq, ack, flags, opts, win, ttl=64):
    return eth(dst_mac, PORT_MAC, ip4(src, dst, 6, tcp(src, dst, sport, dport, seq, ack, flags, b"", opts,
                                                       win=win), ttl=ttl, ident=0))


def check(inp, outp, log, secret):
    key = keys(secret)
    ck = Checker()
    # the appliance's own ARP announcements are not this case's
    out = [f for f in read_pcap(outp) if f[12:14] == b"\x08\x00"]
    counts = (now_count() - 1, now_count())   # the run was seconds ago
    seen = set()
    again = 0

    def find(pred):
        for i, fr in enumerate(out):
            if i not in seen and pred(fr):
                seen.add(i)
                return fr
        return None

    # the SYN-ACKs
    for conn, opts in ((SYN_A, True), (SYN_B, False)):
        cip, cport, isn = conn
        fr = find(lambda f: f[30:34] == cip and f[36:38] == struct.pack("!H", cport))
        if fr is None:
            ck.fail(f"no SYN-ACK to {cip.hex()}:{cport}")
            continue
        got = struct.unpack("!I", fr[38:42])[0]
        want_c = [cookie(key, cip, cport, isn, c, 3 if opts else 0) for c in counts]
        if got not in want_c:
            ck.fail(f"SYN-ACK to port {cport}: cookie {got:#x}, want one of {[hex(x) for x in want_c]}")
            continue
        if opts:
            tsval = struct.unpack("!I", fr[34 + 28:34 + 32])[0]
            if tsval & 0x3F != 0x17:
                ck.fail(f"SYN-ACK to port {cport}: TSval {tsval:#x}, low 6 bits want 0x17 (scale 7, SACK)")
            o = bytes([2, 4, 0x05, 0xb4, 4, 2, 8, 10]) + struct.pack("!II", tsval, 0x01020304) + bytes([1, 3, 3, 7])
        else:
            o = bytes([2, 4, 0x05, 0xb4])
        want = own_frame(GW_MAC, VIP, cip, 80, cport, got, isn + 1, SYN | ACK, o, 65535)
        if fr != want:
            ck.fail(f"SYN-ACK to port {cport}: {fr.hex()} != {want.hex()}")
    # the SYNs to the server, from the local IP: the client's ISN and options
    for conn, o, win in ((ACK_C, bytes([2, 4, 0x05, 0xb4, 4, 2, 8, 10]) + struct.pack("!II", 0x0a0b0c0d, 0) +
                          bytes([1, 3, 3, 7]), 65535),
                         (ACK_D, bytes([2, 4, 0x05, 0x14]), 64240)):
        cip, cport, isn = conn
        fr = find(lambda f: f[26:30] == LIP and f[30:34] == SRV and struct.unpack("!I", f[38:42])[0] == isn)
        if fr is None:
            ck.fail(f"no SYN to the server for the ACK from port {cport}")
            continue
        lport = struct.unpack("!H", fr[34:36])[0]
        # the client's SYN as the cookie kept it, forwarded as the client's own
        want = own_frame(SRV_MAC, LIP, SRV, lport, 80, isn, 0, SYN, o, win, ttl=63)
        if fr != want:
            ck.fail(f"SYN for port {cport}: {fr.hex()} != {want.hex()}")
        # unanswered, the same SYN again each second, three times at most
        # (as many as the run's seconds allowed)
        n = 0
        while find(lambda f: f == want) is not None:
            n += 1
        if n > 3:
            ck.fail(f"SYN for port {cport} sent again {n} times, want 3 at most")
        again += n
    for i, fr in enumerate(out):
        if i not in seen:
            ck.fail(f"frame {i + 1} not expected: {fr.hex()}")
    # checksums of everything sent, independently
    for i, fr in enumerate(out):
        ihl = (fr[14] & 0xF) * 4
        if csum(fr[14:14 + ihl]) != 0xFFFF:
            ck.fail(f"frame {i + 1}: IPv4 header checksum")
        l4 = fr[14 + ihl:]
        if csum(fr[26:34] + struct.pack("!BBH", 0, 6, len(l4)) + l4) != 0xFFFF:
            ck.fail(f"frame {i + 1}: TCP checksum")
    drops = {}
    for line in open(log):
        p = line.split()
        if len(p) == 3 and p[0] == "final" and p[1].startswith("drop."):
            drops[p[1]] = int(p[2])
    for name, want in (("drop.syncookie_bad", 2), ("drop.syncookie_expired", 1)):
        if drops.get(name) != want:
            ck.fail(f"{name} {drops.get(name)}, want {want}")
    ev = None
    for line in open(log):
        if line.startswith("final syn_proxy web: on "):
            p = line.split()[4:]
            ev = dict(zip(p[0::2], (int(x) for x in p[1::2])))
    want_ev = {"cookie_sent": 2, "cookie_valid": 2, "cookie_bad": 2, "cookie_expired": 1,
               "opened": 0, "held": 0, "syn_again": again, "syn_timer": again, "stale_tuple": 0, "auto_on": 0, "auto_off": 0}
    if ev != want_ev:
        ck.fail(f"final syn_proxy web: {ev}, want {want_ev}")
    for f in ck.fails:
        print("FAIL " + f)
    if ck.fails:
        return 1
    print(f"{len(out)} frames checked: 2 cookie SYN-ACKs, 2 SYNs for valid cookies ({again} sent again, "
          "unanswered); forged, expired and wrong-MSS-index ACKs dropped and counted")
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "gen":
        gen(argv[2], argv[3])
        return 0
    if len(argv) == 6 and argv[1] == "check":
        return check(argv[2], argv[3], argv[4], argv[5])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
