#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""udp_sum.py [--ext] ADDRESS PORT SIZE...: one UDP datagram of each SIZE to
ADDRESS:PORT (IPv4 or IPv6) from Python's socket - the kernel cuts those
over the MTU into fragments - each sent up to 3 times, 2 s apart, until
answered. nc-backend answers "NAME <FNV-1a 64 of what it got>"; prints a
line per datagram and "whole N of M", N the answers whose sum is that of
the bytes sent.

--ext (IPv6): the socket carries destination options and a segment routing
header with no segment left (RFC 3542's IPV6_RTHDRDSTOPTS and IPV6_RTHDR),
which the kernel puts before the Fragment header of each fragment, as the
unfragmentable part (RFC 8200 4.5). The frames that left with that chain
are counted from a packet socket (root) and printed as "ext-before-frag N"."""
import socket
import sys

ETH_P_ALL = 0x0003   # a socket of one protocol sees no outgoing frames
PACKET_OUTGOING = 4
DEST_OPTS, ROUTING, FRAGMENT = 60, 43, 44


def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h


def ext_socket(s, addr):
    """Destination options (PadN, 8 bytes) before a type-4 routing header
    whose one segment is <addr> and none left, on socket <s>."""
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RTHDRDSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
    srh = bytes([0, 2, 4, 0, 0, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, addr)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RTHDR, srh)


def ext_before_frag(cap, dst):
    """Frames sent to <dst> that <cap> saw leave with destination options,
    then a routing header with no segment left, then a Fragment header."""
    n = 0
    while True:
        try:
            f, a = cap.recvfrom(65535)
        except BlockingIOError:
            return n
        ip = f[14:]
        if a[2] != PACKET_OUTGOING or f[12:14] != b"\x86\xdd" or len(ip) < 40 or ip[24:40] != dst or ip[6] != DEST_OPTS:
            continue
        off = 40 + (ip[41] + 1) * 8
        if ip[40] == ROUTING and len(ip) >= off + 8 and ip[off + 3] == 0 and ip[off] == FRAGMENT:
            n += 1


def main():
    args = sys.argv[1:]
    ext = args[:1] == ["--ext"]
    if ext:
        args = args[1:]
    addr, port, sizes = args[0], int(args[1]), [int(a) for a in args[2:]]
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    cap = None
    if ext:
        cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        cap.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        cap.setblocking(False)
    ok = n_ext = 0
    for i, size in enumerate(sizes):
        data = bytes((i * 11 + k * 7) & 0xff for k in range(size))
        want = "%016x" % fnv(data)
        s = socket.socket(family, socket.SOCK_DGRAM)
        if ext:
            ext_socket(s, addr)
        s.settimeout(2)
        for _ in range(3):
            s.sendto(data, (addr, port))
            try:
                reply = s.recv(512).decode().split()
            except socket.timeout:
                continue
            print(size, "bytes:", " ".join(reply), "want", want)
            ok += len(reply) > 1 and reply[1] == want
            break
        else:
            print(size, "bytes: no answer")
        s.close()
        if cap is not None:   # read as it goes: other traffic may fill its buffer
            n_ext += ext_before_frag(cap, socket.inet_pton(socket.AF_INET6, addr))
    if cap is not None:
        print("ext-before-frag", n_ext)
    print("whole", ok, "of", len(sizes))


if __name__ == "__main__":
    main()
