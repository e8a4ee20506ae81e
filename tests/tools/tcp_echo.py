# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Real TCP with data for the cookie tests: an echo server, and clients
that connect, send, read the echo back and check it.

Usage: tcp_echo.py server ADDRESS PORT [OPTIONS_LOG]
         echo every connection; with OPTIONS_LOG, append a line per
         connection with what the server's socket negotiated (TCP_INFO)
       tcp_echo.py client ADDRESS PORT COUNT [TIMEOUT_S] [BYTES] [SOURCE_ADDRESS]
         COUNT connections one after another, each sending BYTES (default
         65536) and reading them back; prints one letter per connection, D
         when every byte came back, x when not within TIMEOUT_S (default 3 s,
         long enough for SYN retransmissions), then a line with what the
         first connection negotiated.
"""
import socket
import struct
import sys
import threading

TCPI_OPT_TIMESTAMPS, TCPI_OPT_SACK, TCPI_OPT_WSCALE = 1, 2, 4


def negotiated(sock):
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    options, wscale = info[5], info[6]
    words = []
    if options & TCPI_OPT_TIMESTAMPS:
        words.append("ts")
    if options & TCPI_OPT_SACK:
        words.append("sack")
    if options & TCPI_OPT_WSCALE:
        words.append("wscale:%d,%d" % (wscale & 0xF, wscale >> 4))
    return " ".join(words) or "none"


def serve(address, port, log):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((address, port))
    server.listen(4096)

    def echo(conn):
        with conn:
            if log:
                with open(log, "a") as out:
                    out.write(negotiated(conn) + "\n")
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)

    while True:
        conn, _ = server.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def clients(address, port, count, timeout, size, source):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    payload = bytes(i & 0xFF for i in range(size))
    letters, first = [], None
    for _ in range(count):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        if source:
            sock.bind((source, 0))
        try:
            sock.connect((address, port))
            if first is None:
                first = negotiated(sock)
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            got = bytearray()
            while len(got) < size:
                data = sock.recv(65536)
                if not data:
                    break
                got += data
            letters.append("D" if bytes(got) == payload else "x")
        except OSError:
            letters.append("x")
        finally:
            sock.close()
    print("".join(letters))
    print("negotiated: %s" % (first or "nothing"))


if sys.argv[1] == "server":
    serve(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
else:
    clients(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
            float(sys.argv[5]) if len(sys.argv) > 5 else 3.0,
            int(sys.argv[6]) if len(sys.argv) > 6 else 65536,
            sys.argv[7] if len(sys.argv) > 7 else None)
