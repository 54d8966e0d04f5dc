#!/usr/bin/env python3
"""Every Catch2 TEST_CASE name must survive CTest.

catch_discover_tests registers each test case under its name, and CMake splits lists on ';':
a name with a semicolon becomes two CTest tests whose filters match nothing, and both "pass"
without running anything. Names with a backslash or a leading/trailing space are mangled the
same way. This check fails on any such name in the tree (sources under git).
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASE = re.compile(r'TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')
PART = re.compile(r'"((?:[^"\\]|\\.)*)"')


def main() -> int:
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "*.cc", "*.cpp"],
                           check=True, capture_output=True, text=True).stdout.split()
    bad = []
    for name in files:
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        for m in CASE.finditer(text):
            case = "".join(PART.findall(m.group(1)))
            if ";" in case or "\\" in case or case != case.strip():
                line = text.count("\n", 0, m.start()) + 1
                bad.append(f"{name}:{line}: {case!r}")
    for b in bad:
        print(f"test name CTest would split or mangle: {b}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
