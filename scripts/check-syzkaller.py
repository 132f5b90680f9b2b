#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks selftests/syzkaller/nsfd.txt without syzkaller: the syntax of each
line (include, resource, call, flags), that every type, resource and flags
name it uses is declared there or in syzkaller's namespaces.txt, that every
constant has a value in nsfd.txt.const, and, given the uapi headers of the
kernel with the series, that those values are the headers' (compiled with cc).

usage: check-syzkaller.py DESCRIPTION CONST [UAPI_INCLUDE_DIR]"""
import re
import subprocess
import sys
import tempfile

BUILTIN_TYPES = {"pid", "uid", "gid", "intptr", "int8", "int16", "int32", "int64",
                 "fd", "const", "flags", "ptr", "in", "out", "inout", "string"}
# Declared by syzkaller's sys/linux/namespaces.txt, next to which it goes.
EXTERNAL = {"fd_namespace", "ns_type"}
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def fail(msg):
    print(f"check-syzkaller: {msg}")
    sys.exit(1)


def balanced(s):
    depth = {"(": 0, "[": 0}
    pairs = {")": "(", "]": "["}
    for c in s:
        if c in depth:
            depth[c] += 1
        elif c in pairs:
            depth[pairs[c]] -= 1
            if depth[pairs[c]] < 0:
                return False
    return all(v == 0 for v in depth.values())


def type_idents(t):
    """The identifiers of a type expression such as ptr[out, int64]."""
    return re.findall(IDENT, t)


def main():
    desc, const = sys.argv[1], sys.argv[2]
    uapi = sys.argv[3] if len(sys.argv) > 3 else None
    resources, flags_defs, calls, used_flags, used_consts, used_types = {}, {}, [], set(), set(), set()
    for n, raw in enumerate(open(desc), 1):
        line = raw.rstrip("\n")
        where = f"{desc}:{n}"
        if not line.strip() or line.startswith("#"):
            continue
        if line != line.strip():
            fail(f"{where}: leading or trailing blanks")
        if not balanced(line):
            fail(f"{where}: unbalanced brackets: {line}")
        if m := re.fullmatch(r"include <([\w/.]+\.h)>", line):
            continue
        if m := re.fullmatch(rf"resource ({IDENT})\[({IDENT})\]", line):
            resources[m[1]] = m[2]
            used_types.add(m[2])
            continue
        if m := re.fullmatch(rf"({IDENT}) = ({IDENT}(?:, {IDENT})*)", line):
            flags_defs[m[1]] = m[2].split(", ")
            used_consts.update(m[2].split(", "))
            continue
        if m := re.fullmatch(rf"({IDENT})(\${IDENT})?\((.*)\)(?: ({IDENT}))?", line):
            base, args, ret = m[1], m[3], m[4]
            calls.append(base + (m[2] or ""))
            used_consts.add(f"__NR_{base}")
            for arg in re.split(r", (?![^\[]*\])", args) if args else []:
                am = re.fullmatch(rf"({IDENT}) (.+)", arg)
                if not am:
                    fail(f"{where}: argument '{arg}' is not 'name type'")
                t = am[2]
                for cm in re.finditer(rf"const\[({IDENT})\]", t):
                    used_consts.add(cm[1])
                for fm in re.finditer(rf"flags\[({IDENT})\]", t):
                    used_flags.add(fm[1])
                idents = [i for i in type_idents(t) if i not in used_consts and i not in used_flags]
                used_types.update(idents)
            if ret:
                used_types.add(ret)
            continue
        fail(f"{where}: not an include, resource, call or flags line: {line}")
    if len(calls) != len(set(calls)):
        fail("a call name is declared twice")
    for f in used_flags:
        if f not in flags_defs and f not in EXTERNAL:
            fail(f"flags {f} is not defined")
    for t in used_types:
        if t not in BUILTIN_TYPES and t not in resources and t not in EXTERNAL:
            fail(f"type {t} is neither a builtin, a resource here nor namespaces.txt's")
    values = {}
    for raw in open(const):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("arches ="):
            continue
        m = re.fullmatch(rf"({IDENT}) = (.+)", line)
        if not m:
            fail(f"{const}: bad line: {line}")
        per_arch = dict(p.split(":") for p in m[2].split(", ")) if ":" in m[2] else {"*": m[2]}
        values[m[1]] = per_arch
    missing = sorted(c for c in used_consts if c not in values)
    if missing:
        fail(f"no value in {const} for: {', '.join(missing)}")
    checked = "syntax, names, constants present"
    if uapi:
        names = sorted(c for c in values if not c.startswith("__NR_"))
        src = "#include <linux/nsfd.h>\n#include <linux/nsfs.h>\n#include <linux/sched.h>\n" \
              "#include <asm/unistd_64.h>\n#include <stdio.h>\nint main(void) {\n"
        for c in names + ["__NR_nsfd", "__NR_setns", "__NR_ioctl"]:
            src += f'\tprintf("{c} %llu\\n", (unsigned long long)({c}));\n'
        src += "\treturn 0;\n}\n"
        with tempfile.TemporaryDirectory() as d:
            open(f"{d}/c.c", "w").write(src)
            subprocess.run(["cc", "-I", uapi, "-o", f"{d}/c", f"{d}/c.c"], check=True)
            out = subprocess.run([f"{d}/c"], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            name, val = line.split()
            want = values[name].get("amd64", values[name].get("*"))
            if want != val:
                fail(f"{name}: {const} says {want}, the headers {val}")
        checked += ", values equal the headers'"
    print(f"check-syzkaller: {desc}: {len(calls)} calls, {len(resources)} resource, {len(flags_defs)} flags; {checked}")


main()
