#!/usr/bin/env python3
"""Include rules of the tree (make lint): tests/lint/includes.py [ROOT]

Checks every *.c and *.h of ROOT (default: the repository this script is in): in a git work
tree the tracked and untracked, not ignored files (git ls-files -co --exclude-standard), in
any other directory every file. Prints one line per violation,

    <file>:<line>: <what is wrong>

then "includes: N violation(s)" and exits 1; prints nothing and exits 0 when there is none.

A header name is resolved the way the builds resolve it: "x.h" first in the including file's
directory, then (like <x.h>) in ".", "core/include" and "images/sdk/include" (-I of the
hypervisor, host and SDK builds). A name found there is a project header; a name not found
whose first part is a top-level directory of the tree, or "bulkhead", is a project header
that does not exist (a violation); any other name is a system header. The rules:

  images/, partitions/, tools/   of the project's headers only the interface
                                 (core/include/bulkhead/*), the library (core/lib/*), the
                                 SDK's <bulkhead/sdk.h> and headers in the file's own
                                 directory; system headers are fine
  core/ (not core/lib/, core/include/)
                                 no inline assembly (__asm__, asm(, asm volatile: that is
                                 arch/x86's or core/lib/cpu.h's), and of arch/ only
                                 "arch/x86/arch.h"; not core/lib/cpu.h either (the
                                 instruction wrappers are for arch/ and the SDK)
  core/lib/                      only core/lib/*, bulkhead/* and <stdarg.h>, <stddef.h>,
                                 <stdint.h>, <stdbool.h>
  core/include/bulkhead/         only bulkhead/* and those four standard headers
In all of these: no ".." in a header name, and no computed #include (#include MACRO).
Comments are skipped; code under #if 0 is not (it is still code to the reader).
"""
import os
import re
import subprocess
import sys

AREA_NAME = {"lib": "core/lib/", "interface": "core/include/bulkhead/"}
FREESTANDING = {"stdarg.h", "stddef.h", "stdint.h", "stdbool.h"}
SEARCH = [".", "core/include", "images/sdk/include"]
INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include(?:_next)?[ \t]*(.*)$')
NAME_RE = re.compile(r'^(?:"([^"]*)"|<([^>]*)>)')
ASM_RE = re.compile(r"\b__asm__\b|\b__asm\b"
                    r"|\basm\s*(?:\(|volatile\b|__volatile__\b|goto\b|inline\b)")


def blank(text, strings):
    """text with comments (and, when strings is true, string and character literals'
    contents) replaced by spaces, newlines kept so line numbers stay."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            lit = text[i:j]
            out.append(c + re.sub(r"[^\n]", " ", lit[1:]) if strings else lit)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def files(root):
    try:
        git = ["git", "-C", root, "ls-files", "-z", "-co", "--exclude-standard"]
        out = subprocess.run(git, capture_output=True, check=True).stdout.decode()
        paths = [p for p in out.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        paths = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if x not in (".git", "build")]
            paths += [os.path.relpath(os.path.join(d, x), root) for x in names]
    return sorted(p for p in paths
                  if p.endswith((".c", ".h")) and os.path.isfile(os.path.join(root, p)))


def resolve(root, includer, name, quoted):
    """The header's path relative to root, or None."""
    dirs = ([os.path.dirname(includer)] if quoted else []) + SEARCH
    for d in dirs:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(root, p)):
            return p
    return None


def kind(includer, path):
    """What a project header at path is, to the file includer."""
    if path.startswith("core/include/bulkhead/"):
        return "interface"
    if path.startswith("core/lib/"):
        return "lib"
    # The SDK's public headers: sdk.h, and the ring it includes, which a program in Linux
    # (images/linux/chanmon.c) uses on its own, without the payload runtime sdk.h brings.
    if path in ("images/sdk/include/bulkhead/sdk.h", "images/sdk/include/bulkhead/sdk_ring.h"):
        return "sdk"
    if path == "arch/x86/arch.h":
        return "arch.h"
    if path.startswith("arch/"):
        return "arch"
    if os.path.dirname(path) == os.path.dirname(includer):
        return "own"
    return "other"


def area(path):
    if path.startswith(("images/", "partitions/", "tools/")):
        return "outside"
    if path.startswith("core/lib/"):
        return "lib"
    if path.startswith("core/include/"):
        return "interface"
    if path.startswith("core/"):
        return "core"
    return None


def check_include(root, path, where, name, quoted, tops):
    """The violation an include of name is in the file path, or None."""
    spelled = f'"{name}"' if quoted else f"<{name}>"
    if ".." in name.split("/"):
        return f"includes {spelled}: no '..' in header names (name it from its include root)"
    hdr = resolve(root, path, name, quoted)
    if hdr is None:
        if name.split("/")[0] in tops or name.startswith("bulkhead/"):
            return f"includes {spelled}, which does not exist"
        if where in ("lib", "interface") and name not in FREESTANDING:
            return (f"includes {spelled}: {AREA_NAME[where]} may include only <stdarg.h>, "
                    "<stddef.h>, <stdint.h> and <stdbool.h> of the system's headers")
        return None
    k = kind(path, hdr)
    if where == "outside":
        if k in ("interface", "lib", "sdk", "own"):
            return None
        return (f"includes {spelled} ({hdr}): images/, partitions/ and tools/ may include only "
                "bulkhead/* (core/include, the SDK's sdk.h), core/lib/* and their own "
                "directory's headers")
    if where == "core":
        if k == "arch":
            return f'includes {spelled}: core/ may include only "arch/x86/arch.h" of arch/'
        if hdr == "core/lib/cpu.h":
            return (f"includes {spelled}: core/ reaches the CPU only through "
                    '"arch/x86/arch.h", not through the instruction wrappers')
        return None
    if where == "lib":
        if k in ("lib", "interface"):
            return None
        return f"includes {spelled} ({hdr}): core/lib/ may include only core/lib/* and bulkhead/*"
    if where == "interface":
        if k == "interface":
            return None
        return f"includes {spelled} ({hdr}): core/include/bulkhead/ may include only bulkhead/*"
    return None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", ".."))
    tops = {e for e in os.listdir(root)
            if os.path.isdir(os.path.join(root, e)) and not e.startswith(".")}
    problems = []
    for path in files(root):
        where = area(path)
        if where is None:
            continue
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        code = blank(text, strings=False)
        for no, line in enumerate(code.split("\n"), 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            arg = m.group(1).strip()
            nm = NAME_RE.match(arg)
            if not nm:
                problems.append(f"{path}:{no}: #include {arg}: a computed include "
                                "cannot be checked")
                continue
            quoted = nm.group(1) is not None
            name = nm.group(1) if quoted else nm.group(2)
            msg = check_include(root, path, where, name, quoted, tops)
            if msg:
                problems.append(f"{path}:{no}: {msg}")
        if where == "core":
            for no, line in enumerate(blank(text, strings=True).split("\n"), 1):
                m = ASM_RE.search(line)
                if m:
                    what = m.group(0).rstrip("(").strip()
                    problems.append(f"{path}:{no}: inline assembly ({what}) in core/: "
                                    "it belongs in arch/x86/ or core/lib/cpu.h")
    for p in problems:
        print(p)
    if problems:
        print(f"includes: {len(problems)} violation(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
