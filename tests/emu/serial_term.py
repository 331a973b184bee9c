#!/usr/bin/env python3
"""make run's COM1 terminal for Bochs: connect to the emulator's COM1 socket, show what it
sends, and send what is typed, byte by byte (Ctrl-A and digits reach Bulkhead's console
switch). The terminal stays in cbreak mode, so Ctrl-C still stops the run.
Usage: serial_term.py PORT"""
import os
import select
import socket
import sys
import termios
import time
import tty

port = int(sys.argv[1])
deadline = time.time() + 30
while True:
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=1)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("serial_term: no emulator listening on port %d" % port)
        time.sleep(0.1)
fd = sys.stdin.fileno()
saved = termios.tcgetattr(fd) if os.isatty(fd) else None
try:
    if saved:
        tty.setcbreak(fd)
    while True:
        ready, _, _ = select.select([sock, fd], [], [])
        if sock in ready:
            data = sock.recv(4096)
            if not data:
                break
            os.write(sys.stdout.fileno(), data)
        if fd in ready:
            data = os.read(fd, 64)
            if not data:
                break
            sock.sendall(data.replace(b"\n", b"\r"))
except KeyboardInterrupt:
    pass
finally:
    if saved:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
