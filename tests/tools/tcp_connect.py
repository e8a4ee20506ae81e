# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Real TCP clients for the tests: complete handshakes, one after another.

Usage: tcp_connect.py ADDRESS PORT COUNT [TIMEOUT_S] [SOURCE_ADDRESS]
Prints one letter per attempt: C when the handshake completed, x when it
did not within TIMEOUT_S (default 0.3 s, below the kernel's first SYN
retransmission at 1 s, so each attempt is exactly one SYN).
"""
import socket
import sys

address, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 0.3
source = sys.argv[5] if len(sys.argv) > 5 else None
family = socket.AF_INET6 if ":" in address else socket.AF_INET
letters = []
for _ in range(count):
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    if source:
        sock.bind((source, 0))
    try:
        sock.connect((address, port))
        letters.append("C")
    except OSError:
        letters.append("x")
    finally:
        sock.close()
print("".join(letters))
