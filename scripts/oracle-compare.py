#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The oracle compare: the behaviour suite's lines in our kernel against the
unmodified kernel's (recorded by make oracle), as KTAP.

usage: oracle-compare.py RECORDED OURS TESTING_RST

A case passes when both kernels gave the same outcome, or when the outcomes
are a deliberate difference: a row of the table "Deliberate differences from
mainline" in TESTING_RST whose pattern matches the case's name and whose
outcomes are exactly the two. A CRASH (a child that died) fails on any
kernel. The recorded file must hold exactly the suite's cases: run 'make
oracle' after changing the suite."""

import fnmatch
import sys


def outcomes(path):
    """{case: outcome} of a suite output; '#' lines are comments. A case
    twice is an error (two workers share the output)."""
    cases = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, _, outcome = line.partition(" ")
            if name in cases:
                raise SystemExit(f"{path}: case {name} twice")
            cases[name] = outcome
    return cases


HEADING = "Deliberate differences from mainline"


def deliberate_differences(rst):
    """The rows (pattern, mainline, nsfd, why) of the RST simple table in the
    section 'Deliberate differences from mainline' (four columns; only the
    last may continue on the next lines)."""
    lines = open(rst).read().splitlines()
    if HEADING not in lines:
        raise SystemExit(f"{rst}: no section '{HEADING}'")
    start = lines.index(HEADING) + 2
    # The section ends at the next heading (a line underlined with = or -).
    end = next((i - 1 for i in range(start + 1, len(lines))
                if lines[i] and set(lines[i]) <= set("=-") and lines[i - 1].strip()
                and not lines[i - 1].startswith("=")), len(lines))
    borders = [i for i in range(start, end) if lines[i].startswith("====") and " " in lines[i]]
    if len(borders) != 3:
        raise SystemExit(f"{rst}: the section '{HEADING}' holds no simple table (3 border lines)")
    top, head, bottom = borders
    border = lines[top]
    cols = [i for i, c in enumerate(border) if c == "=" and (i == 0 or border[i - 1] == " ")]
    if len(cols) != 4:
        raise SystemExit(f"{rst}: the table of '{HEADING}' has {len(cols)} columns, not 4")
    rows = []
    for line in lines[head + 1 : bottom]:
        if not line.strip():
            continue
        cells = [line[a:b].strip() for a, b in zip(cols, cols[1:] + [None])]
        if cells[0]:
            rows.append(cells)
        elif rows and not cells[1] and not cells[2]:
            rows[-1][3] += " " + cells[3]
        else:
            raise SystemExit(f"{rst}: a row continues in a column other than the last: {line!r}")
    return [tuple(r) for r in rows]


def main():
    recorded_path, ours_path, rst = sys.argv[1:4]
    recorded, ours = outcomes(recorded_path), outcomes(ours_path)
    rows = deliberate_differences(rst)
    used = set()
    results = []
    missing = [n for n in ours if n not in recorded]
    extra = [n for n in recorded if n not in ours]
    if missing or extra:
        results.append(("recorded_outcomes_cover_the_case_list", False,
                        f"{len(missing)} cases not recorded (first: {missing[:3]}), "
                        f"{len(extra)} recorded cases not in the suite (first: {extra[:3]}): run make oracle"))
    else:
        results.append(("recorded_outcomes_cover_the_case_list", True, ""))
    if not ours:
        results.append(("suite_ran", False, f"no cases in {ours_path}"))
    for name, got in ours.items():
        want = recorded.get(name)
        if want is None:
            results.append((name, False, "no mainline outcome recorded"))
        elif "CRASH" in (got.split(" ")[0], want.split(" ")[0]):
            results.append((name, False, f"a child died: mainline '{want}', nsfd '{got}'"))
        elif got == want:
            results.append((name, True, ""))
        else:
            why = next((r for r in rows if fnmatch.fnmatchcase(name, r[0]) and r[1] == want and r[2] == got), None)
            if why:
                used.add(why)
                results.append((name, True, f"deliberate difference: {why[3]}"))
            else:
                results.append((name, False, f"mainline '{want}', nsfd '{got}'"))
    unused = [r[0] for r in rows if r not in used]
    results.append(("every_documented_difference_occurs", not unused,
                    f"rows of {rst} that no case shows: {unused}" if unused else ""))
    print("KTAP version 1")
    print("# oracle")
    print(f"1..{len(results)}")
    for i, (name, ok, note) in enumerate(results, 1):
        if ok:
            print(f"ok {i} {name}" + (f" # {note}" if note else ""))
        else:
            print(f"# {name}: {note}")
            print(f"not ok {i} {name}")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
