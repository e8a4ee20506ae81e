# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A real TCP server for the tests: accept every connection, close it.

Usage: tcp_server.py ADDRESS PORT
"""
import socket
import sys

family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
server = socket.socket(family, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((sys.argv[1], int(sys.argv[2])))
server.listen(4096)
while True:
    conn, _ = server.accept()
    conn.close()
