#!/usr/bin/env python3
"""COM1 over a socket for emulator tests that type: connect to the emulator's serial
socket, append everything received to LOG, and send TEXT once a received line matches
REGEX. Usage: serial_client.py PORT LOG REGEX TEXT"""
import re
import socket
import sys
import time

port, log, pattern, text = int(sys.argv[1]), sys.argv[2], re.compile(sys.argv[3]), sys.argv[4]
deadline = time.time() + 30
while True:
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=1)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("serial_client: no emulator listening on port %d" % port)
        time.sleep(0.1)
sock.settimeout(0.5)
sent = False
pending = b""
with open(log, "ab", buffering=0) as out:
    while True:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            continue
        except OSError:
            break
        if not data:
            break
        out.write(data)
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if not sent and pattern.search(line.decode(errors="replace").strip("\r")):
                sock.sendall(text.encode())
                sent = True
