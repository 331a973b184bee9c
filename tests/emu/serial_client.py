#!/usr/bin/env python3
"""COM1 over a socket for emulator tests that type: connect to the emulator's serial
socket, append everything received to LOG, and type each TEXT once a line received after
the previous TEXT matches its REGEX (steps run in order).
Usage: serial_client.py PORT LOG REGEX1 TEXT1 [REGEX2 TEXT2 ...]"""
import re
import socket
import sys
import time

port, log = int(sys.argv[1]), sys.argv[2]
steps = [(re.compile(sys.argv[i]), sys.argv[i + 1]) for i in range(3, len(sys.argv) - 1, 2)]
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
            if steps and steps[0][0].search(line.decode(errors="replace").strip("\r")):
                # typed slowly, as a person would: the UART holds only a few bytes
                for ch in steps[0][1].encode():
                    sock.sendall(bytes([ch]))
                    time.sleep(0.02)
                steps.pop(0)
