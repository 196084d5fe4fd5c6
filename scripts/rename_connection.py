"""One-off (decision 164): annotate database connections as `lanekit.storage.executor.Connection`.

Replaces SQLAlchemy's `AsyncConnection` in every Python file under src/ and tests/ (except the executor
and engine modules, which already use the new class), then lets ruff sort the imports.  Idempotent: run it
again after a merge brings in new uses.  Usage: `python scripts/rename_connection.py` from the repo root.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SKIP = {"src/lanekit/storage/executor.py", "src/lanekit/storage/engine.py"}
NEW_IMPORT = "from lanekit.storage.executor import Connection\n"
IMPORT = re.compile(r"^from sqlalchemy\.ext\.asyncio import (?P<names>[^\n(]+)\n", re.MULTILINE)


def rewrite(path: Path) -> bool:
    text = path.read_text()
    if "AsyncConnection" not in text:
        return False
    if re.search(r"\bimport[^\n]*\bConnection\b", text.replace("AsyncConnection", "")):
        sys.exit(f"{path}: already imports a name `Connection`; rename it by hand")

    def fix_import(match: re.Match[str]) -> str:
        names = [n.strip() for n in match.group("names").split(",")]
        if "AsyncConnection" not in names:
            return match.group(0)
        rest = [n for n in names if n != "AsyncConnection"]
        kept = f"from sqlalchemy.ext.asyncio import {', '.join(rest)}\n" if rest else ""
        return kept + NEW_IMPORT

    text = IMPORT.sub(fix_import, text)
    text = re.sub(r"\bAsyncConnection\b", "Connection", text)
    path.write_text(text)
    return True


def main() -> None:
    root = Path.cwd()
    changed = [
        str(p.relative_to(root))
        for top in ("src", "tests")
        for p in sorted((root / top).rglob("*.py"))
        if str(p.relative_to(root)) not in SKIP and rewrite(p)
    ]
    if changed:
        ruff = Path(sys.executable).with_name("ruff")
        subprocess.run([str(ruff), "check", "--select", "I", "--fix", "--quiet", *changed], check=False)
        subprocess.run([str(ruff), "format", "--quiet", *changed], check=False)
    print(f"{len(changed)} files rewritten")


if __name__ == "__main__":
    main()
