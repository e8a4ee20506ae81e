#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Plays systemd's side of a datagram socket for the agent tests: binds
# SOCKET (NOTIFY_SOCKET, or /run/systemd/journal/socket in a private mount
# namespace) and appends each datagram it receives to OUT, then a line "--".
# Exits when SOCKET is removed or on SIGTERM.
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(0.2)
with open(out, "ab", buffering=0) as f:
    while os.path.exists(path):
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        f.write(data.rstrip(b"\n") + b"\n--\n")
