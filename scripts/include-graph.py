#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The include graph of vmplace's C sources: layers, floors, circles, sizes.

  include-graph.py [SRC]            report (floors, circles, largest files)
  include-graph.py --check [SRC]    exit 1 when there is an import circle, a
                                    file including a header of a layer above
                                    its own (model < io < ops < virt), or a
                                    file over 800 lines without a reason at
                                    its top ("Over 800 lines:" in its first
                                    comment)

A module is a .c/.h pair under lib/LAYER/ (with its private X_impl.h, if
any); "a includes b" when a's .c or .h
includes b's header. Floors count the longest include chain (a module
including nothing of ours is on floor 1). Programs (hook/, cli/, enforcer/, agent/)
are listed with the modules they include but are on no floor.
"""
import os
import re
import sys

LAYERS = ["model", "io", "ops", "virt"]
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def scan(src):
    mods = {}  # name -> (layer, [files])
    for layer in LAYERS:
        d = os.path.join(src, "lib", layer)
        for f in sorted(os.listdir(d)):
            if not f.endswith((".c", ".h")):
                continue
            name = f.rsplit(".", 1)[0]
            # a private header X_impl.h without its own .c is part of X: the
            # files of one module split for size share it
            if f.endswith("_impl.h") and not os.path.exists(os.path.join(d, name + ".c")):
                name = name[: -len("_impl")]
            mods.setdefault(name, (layer, []))[1].append(os.path.join(d, f))
    deps, lines = {}, {}
    for name, (layer, files) in mods.items():
        deps[name] = set()
        for path in files:
            text = open(path, encoding="utf-8").read()
            lines[path] = (text.count("\n"), text)
            for inc in INC.findall(text):
                base = os.path.basename(inc).rsplit(".", 1)[0]
                if base.endswith("_impl") and base not in mods:
                    base = base[: -len("_impl")]
                if base in mods and base != name:
                    deps[name].add(base)
    return mods, deps, lines


def circles(deps):
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def strong(v):  # Tarjan, recursive: the graph is small
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(deps[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(deps):
        if v not in index:
            strong(v)
    return out


def floors(deps):
    memo = {}

    def f(v, seen=()):
        if v in memo:
            return memo[v]
        if v in seen:
            return 0
        memo[v] = 1 + max([f(w, seen + (v,)) for w in deps[v]] or [0])
        return memo[v]

    return {v: f(v) for v in deps}


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    src = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    mods, deps, lines = scan(src)
    problems = []
    for c in circles(deps):
        problems.append("import circle: " + " -> ".join(c))
    rank = {l: i for i, l in enumerate(LAYERS)}
    for name, (layer, _) in mods.items():
        for d in sorted(deps[name]):
            if rank[mods[d][0]] > rank[layer]:
                problems.append("%s/%s includes %s/%s (a lower layer must not see a higher one)"
                                % (layer, name, mods[d][0], d))
    for path, (n, text) in sorted(lines.items()):
        if n > 800 and "Over 800 lines:" not in text[:3000]:
            problems.append("%s: %d lines and no 'Over 800 lines:' reason at its top"
                            % (os.path.relpath(path, src), n))
    if check:
        for p in problems:
            print(p)
        return 1 if problems else 0
    fl = floors(deps)
    print("modules: %d, floors: %d, circles: %d, lines: %d"
          % (len(mods), max(fl.values()), len(circles(deps)), sum(n for n, _ in lines.values())))
    for layer in LAYERS:
        names = sorted((n for n in mods if mods[n][0] == layer), key=lambda n: (fl[n], n))
        print("\n%s/" % layer)
        for n in names:
            print("  floor %2d  %-14s -> %s" % (fl[n], n, " ".join(sorted(deps[n])) or "-"))
    print("\nlargest files:")
    for path, (n, _) in sorted(lines.items(), key=lambda kv: -kv[1][0])[:8]:
        print("  %5d  %s" % (n, os.path.relpath(path, src)))
    for p in problems:
        print("problem: " + p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
