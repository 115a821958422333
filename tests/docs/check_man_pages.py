#!/usr/bin/env python3
"""The man pages cannot drift from the code.

  check_man_pages.py coverage SOURCE_DIR
      every key the config parser accepts (daemon/config/config.cpp) has an entry in its
      section of man/feeds.conf.5; every command and option of the usage text
      (kUsage in daemon/app/cli.cpp) has one in man/tributary.8.
  check_man_pages.py format SOURCE_DIR
      groff reports no warning on either page (exit 77, a skip, without groff).
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

SKIP = 77


def function_body(source: str, name: str) -> str:
    """The text of the member function `name` of the config parser, up to the next one."""
    start = source.find(f"void {name}(")
    if start < 0:
        sys.exit(f"check_man_pages: no function {name} in config.cpp: update this test")
    end = re.compile(r"\n    (?:void|static|bool|template|fs::path|std::|int) ").search(source, start + 1)
    return source[start : end.start() if end else len(source)]


def parser_keys(config_cpp: str) -> dict[str, set[str]]:
    keys = {}
    for section, function in (("daemon", "daemon_key"), ("output", "output_key"), ("feed", "feed_key")):
        found = set(re.findall(r'key == "([a-z0-9_]+)"', function_body(config_cpp, function)))
        if len(found) < 5:
            sys.exit(f"check_man_pages: only {len(found)} keys found in {function}: update this test")
        keys[section] = found
    return keys


def plain(roff: str) -> str:
    return roff.replace("\\-", "-")


def man_sections(page: str) -> dict[str, str]:
    """feeds.conf.5 split at .SS headers: "[daemon] section" -> its text."""
    parts = re.split(r"^\.SS +(.*)$", page, flags=re.M)
    return {parts[i].strip('"'): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def entry_terms(text: str) -> set[str]:
    """Bold terms on the tag line of each .TP entry."""
    terms = set()
    lines = plain(text).splitlines()
    for i, line in enumerate(lines[:-1]):
        if not line.startswith(".TP"):
            continue
        tag = lines[i + 1]
        terms.update(re.findall(r"\\fB([A-Za-z0-9_.-]+)", tag))
        m = re.match(r"^\.(?:B|BI|BR)\s+\"?([A-Za-z0-9_.-]+)", tag)
        if m:
            terms.add(m.group(1))
    return terms


def coverage(root: Path) -> int:
    problems = []
    keys = parser_keys((root / "daemon/config/config.cpp").read_text(encoding="utf-8"))
    sections = man_sections((root / "man/feeds.conf.5").read_text(encoding="utf-8"))
    for section, wanted in keys.items():
        header = next((h for h in sections if h.lower().startswith(f"[{section}")), None)
        if header is None:
            problems.append(f"feeds.conf.5: no .SS section for [{section}]")
            continue
        documented = entry_terms(sections[header])
        for key in sorted(wanted - documented):
            problems.append(f"feeds.conf.5: [{section}] key '{key}' is accepted by the parser but not documented")

    cli = (root / "daemon/app/cli.cpp").read_text(encoding="utf-8")
    usage = re.search(r'kUsage = R"\((.*?)\)";', cli, re.S)
    if not usage:
        sys.exit("check_man_pages: kUsage not found in cli.cpp: update this test")
    text = usage.group(1)
    commands_block = text.split("Commands:", 1)[1].split("Options:", 1)[0]
    options_block = text.split("Options:", 1)[1]
    commands = re.findall(r"^  ([a-z][a-z0-9-]*)", commands_block, re.M)
    options = re.findall(r"(--[a-z][a-z-]*|(?<![\w-])-[a-zA-Z]\b)", options_block + commands_block)
    if len(commands) < 3:
        sys.exit(f"check_man_pages: only {len(commands)} commands found in kUsage: update this test")
    page = (root / "man/tributary.8").read_text(encoding="utf-8")
    documented = entry_terms(page)
    for command in commands:
        if command not in documented:
            problems.append(f"tributary.8: command '{command}' of --help has no entry")
    for option in sorted(set(options)):
        if option not in plain(page):
            problems.append(f"tributary.8: option '{option}' of --help is not mentioned")

    for p in problems:
        print(p)
    total = sum(len(k) for k in keys.values())
    print(f"check_man_pages: {total} config keys, {len(commands)} commands, {len(set(options))} options; "
          f"{len(problems)} missing")
    return 1 if problems else 0


def format_check(root: Path) -> int:
    groff = shutil.which("groff")
    if not groff:
        print("check_man_pages: groff is not installed; skipped")
        return SKIP
    failed = 0
    for page in ("man/tributary.8", "man/feeds.conf.5"):
        run = subprocess.run([groff, "-man", "-ww", "-z", str(root / page)], capture_output=True, text=True)
        if run.returncode != 0 or run.stderr.strip():
            print(f"{page}: groff warnings:\n{run.stderr}")
            failed = 1
    return failed


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("coverage", "format"):
        sys.exit(__doc__)
    root = Path(sys.argv[2])
    sys.exit(coverage(root) if sys.argv[1] == "coverage" else format_check(root))
