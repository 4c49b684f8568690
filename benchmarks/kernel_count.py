"""Counting a subscriber's RTP packets in the kernel, so that the client
process costs next to nothing per forwarded packet and a benchmark measures
the servers.

A classic BPF socket filter (SO_ATTACH_FILTER, no privilege needed) on the
subscriber's UDP socket rejects every RTP datagram. Linux counts a datagram
a socket filter rejects in that socket's drop counter (udp_queue_rcv_one_skb
-> drop: sk_drops), which /proc/net/udp shows per socket. So the kernel
counts the subscriber's RTP packets, and the client process never wakes up,
never reads, never decrypts them. The filter runs where the kernel would
otherwise queue the datagram (on loopback, typically in the sending server's
softirq), and costs less than queueing it.

Why not count in user space, e.g. by replacing aiortc's
RTCDtlsTransport._handle_rtp_data on the instance: aiortc unprotects SRTP
in _recv_next before it calls that method, and the client would still wake
up, read each datagram, try it as STUN and queue it (aioice). Counting in
aioice's datagram_received instead skips all that, but still costs a wakeup
and a read per packet; the kernel count costs neither.

It tells RTP apart from everything else by its first two bytes (RFC 7983,
RFC 5761): first byte 128..191 is RTP or RTCP, and RTCP's second byte
(packet type) is 192..223. STUN (ICE consent checks), DTLS and SRTCP still
reach aioice, so the connection stays alive. The RTP payload stays
encrypted and is never looked at: a corrupted packet would still count.
Acceptable in a benchmark tool; the workers benchmark's check subscriber
shows at every step that the kernel's count equals the packets aiortc's full
path accepts.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.wsclient import SignallingClient

SO_ATTACH_FILTER = 26
BPF_LD_B_ABS = 0x30  # A = packet[k]
BPF_JGE_K = 0x35  # if A >= k goto +jt else goto +jf
BPF_RET_K = 0x06
UDP_HEADER = 8  # a UDP socket filter sees the packet from the UDP header on
RTP_FILTER = (
    (BPF_LD_B_ABS, 0, 0, UDP_HEADER),  # 0: A = first byte
    (BPF_JGE_K, 0, 5, 128),  # 1: < 128 (STUN, DTLS): accept
    (BPF_JGE_K, 4, 0, 192),  # 2: >= 192: accept
    (BPF_LD_B_ABS, 0, 0, UDP_HEADER + 1),  # 3: A = second byte
    (BPF_JGE_K, 1, 0, 224),  # 4: >= 224: RTP (marker + payload type): drop
    (BPF_JGE_K, 1, 0, 192),  # 5: 192..223: RTCP: accept; below: RTP: drop
    (BPF_RET_K, 0, 0, 0),  # 6: drop (and count)
    (BPF_RET_K, 0, 0, 0xFFFFFFFF),  # 7: accept
)


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


def attach_rtp_filter(fd: int) -> None:
    # Python's socket.setsockopt takes no pointer, and the kernel wants a
    # struct sock_fprog that points at the program: hence libc's.
    libc = ctypes.CDLL(None, use_errno=True)
    program = (_SockFilter * len(RTP_FILTER))(*(_SockFilter(*i) for i in RTP_FILTER))
    fprog = _SockFprog(len(RTP_FILTER), program)
    if libc.setsockopt(fd, socket.SOL_SOCKET, SO_ATTACH_FILTER, ctypes.byref(fprog),
                        ctypes.sizeof(fprog)) != 0:
        raise OSError(ctypes.get_errno(), "SO_ATTACH_FILTER failed")


def socket_drops() -> dict[int, int]:
    """Each UDP socket's drop counter (full buffer or rejected by a filter),
    by inode, from /proc/net/udp."""
    drops: dict[int, int] = {}
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        cols = line.split()
        drops[int(cols[9])] = int(cols[12])
    return drops


def socket_inodes(pid: int | str) -> set[int]:
    """The inodes of a process's sockets: which drop counters are its."""
    inodes = set()
    with contextlib.suppress(FileNotFoundError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(int(link[8:-1]))
    return inodes


class RtcpDropper:
    """Put in place of aioice's ``datagram_received`` on a kernel-counted
    subscriber: the server's sender reports (SRTCP, the only RTP-range
    datagrams the filter lets through) are dropped unread, since nothing on
    this subscriber needs them and unprotecting them would only load the
    client; STUN and DTLS go on to aioice."""

    __slots__ = ("_original",)

    def __init__(self, original: Callable[[bytes, Any], None]) -> None:
        self._original = original

    def received(self, data: bytes, addr: Any) -> None:
        if not 127 < data[0] < 192:
            self._original(data, addr)


def count_rtp_in_kernel(client: SignallingClient) -> int:
    """Make a connected subscriber cheap; return the inode of the UDP socket
    whose drop counter now counts its RTP packets."""
    assert client.pc is not None
    dtls = client.pc.getTransceivers()[0].receiver.transport
    connection = dtls.transport._connection  # aioice.Connection
    protocols = list(connection._protocols)
    if len(protocols) != 1:  # one host candidate (127.0.0.1), one component, BUNDLE
        raise RuntimeError(f"expected one UDP socket, found {len(protocols)}")
    protocol: Any = protocols[0]
    fd = protocol.transport.get_extra_info("socket").fileno()
    attach_rtp_filter(fd)
    # asyncio and uvloop both look datagram_received up on the protocol object
    # for every datagram, so an instance attribute takes effect at once.
    protocol.datagram_received = RtcpDropper(protocol.datagram_received).received
    for transceiver in client.pc.getTransceivers():
        # aiortc's RTCRtpSender without a track polls for one every 20 ms
        # (asyncio.sleep(0.02) in _run_rtp): the subscriber's mic and camera
        # lines would wake the client 100 times a second per subscriber while
        # sending nothing. Stop those loops (once started, or stop() would
        # wait for them). Nothing changes on the wire.
        sender: Any = transceiver.sender  # Any: aiortc's private attributes below
        if sender.track is None and sender._RTCRtpSender__rtp_started.is_set():
            sender._RTCRtpSender__rtp_task.cancel()
        # The receivers see no packets now, so their report loops have nothing
        # to report (aiortc sends a receiver report only with report blocks)
        # and only wake up: stop them too.
        receiver: Any = transceiver.receiver
        if receiver._RTCRtpReceiver__rtcp_started.is_set():
            receiver._RTCRtpReceiver__rtcp_task.cancel()
    # aiortc sends a report (SR + SDES) about once a second per sender, here
    # for the mic and the camera lines; a browser sends about one compound
    # report a second per connection. Keep the mic line's, so the server
    # still handles one report a second per subscriber; stop the camera
    # line's without the BYE aiortc would send on the way out.
    camera: Any = next((t.sender for t in client.pc.getTransceivers()
                        if t.mid in client.mids("camera")), None)
    if camera is not None and camera._RTCRtpSender__rtcp_started.is_set():
        camera._send_rtcp = _no_rtcp
        camera._RTCRtpSender__rtcp_task.cancel()
    return os.fstat(fd).st_ino


async def _no_rtcp(packets: Any) -> None:
    return None
