#!/usr/bin/env python3
"""COM1 and COM2 over sockets, for emulator tests that talk to a partition's own UART:
connect to the emulator's two serial sockets (Bochs mode=socket-server), append what COM1
sends to COM1_LOG and what COM2 sends to COM2_LOG, and run STEPs in order:

    wait1=REGEX   a COM1 line received after the previous step matches REGEX
    wait2=TEXT    COM2 has sent TEXT (after what an earlier wait2 matched)
    send1=TEXT    type TEXT on COM1      send2=TEXT    type TEXT on COM2
                  (slowly, as a person would: a UART holds only a few bytes)
    abort1=REGEX  (anywhere) from then on, a COM1 line matching REGEX fails the run at once

Exits 0 once every step is done, 1 (naming the step) when TIMEOUT seconds pass first or the
emulator closes a socket.
Usage: com2_client.py COM1_PORT COM2_PORT COM1_LOG COM2_LOG TIMEOUT STEP..."""
import re
import select
import socket
import sys
import time


def connect(port, deadline):
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            if time.time() > deadline:
                sys.exit("com2_client: no emulator listening on port %d" % port)
            time.sleep(0.1)


def main():
    port1, port2 = int(sys.argv[1]), int(sys.argv[2])
    log1, log2, timeout = sys.argv[3], sys.argv[4], float(sys.argv[5])
    steps = [s.split("=", 1) for s in sys.argv[6:]]
    deadline = time.time() + timeout
    # Bochs accepts COM1's connection before it opens COM2's socket.
    com1 = connect(port1, deadline)
    com2 = connect(port2, deadline)
    lines = []  # COM1 lines not yet looked at by a wait1
    aborts = []  # abort1 regexes
    pending = b""  # COM1's incomplete last line
    received2 = b""  # everything COM2 sent
    matched2 = 0  # where the last wait2 match ended
    with open(log1, "ab", buffering=0) as out1, open(log2, "ab", buffering=0) as out2:

        def pump(seconds):
            nonlocal pending, received2
            ready, _, _ = select.select([com1, com2], [], [], seconds)
            for sock in ready:
                data = sock.recv(4096)
                if not data:
                    sys.exit("com2_client: the emulator closed %s"
                             % ("COM1" if sock is com1 else "COM2"))
                if sock is com1:
                    out1.write(data)
                    pending += data
                    *new, pending = pending.split(b"\n")
                    new = [l.decode(errors="replace").strip("\r") for l in new]
                    for line in new:
                        if any(re.search(a, line) for a in aborts):
                            sys.exit("com2_client: COM1 says: %s" % line)
                    lines.extend(new)
                else:
                    out2.write(data)
                    received2 += data

        def typ(sock, text):
            for ch in text.encode():
                sock.sendall(bytes([ch]))
                pump(0.02)

        for n, (kind, arg) in enumerate(steps, 1):
            if kind == "abort1":
                aborts.append(arg)
                continue
            if kind in ("send1", "send2"):
                lines.clear()  # a wait1 after this looks only at what comes from now on
                typ(com1 if kind == "send1" else com2, arg)
                continue
            while True:
                if kind == "wait1":
                    hit = next((i for i, l in enumerate(lines) if re.search(arg, l)), None)
                    if hit is not None:
                        del lines[:hit + 1]
                        break
                elif kind == "wait2":
                    at = received2.find(arg.encode(), matched2)
                    if at >= 0:
                        matched2 = at + len(arg.encode())
                        break
                else:
                    sys.exit("com2_client: unknown step %s" % kind)
                if time.time() > deadline:
                    sys.exit("com2_client: step %d (%s=%r) not done within %g s"
                             % (n, kind, arg, timeout))
                pump(0.2)
        pump(0.3)  # the rest of the last line(s)


main()
