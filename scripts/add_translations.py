"""Append English translations to scripts/translations_en.py from a JSON file.

Usage: python scripts/add_translations.py new.json   (a {"中文": "English"} object)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET = Path(__file__).with_name("translations_en.py")


def main() -> None:
    new = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    lines = TARGET.read_text(encoding="utf-8").splitlines(keepends=True)
    end = next(i for i, line in enumerate(lines) if line.rstrip() == "}")
    added = [
        f"    {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)},\n"
        for k, v in new.items()
    ]
    TARGET.write_text("".join(lines[:end] + added + lines[end:]), encoding="utf-8")
    print(f"added {len(added)} messages")


if __name__ == "__main__":
    main()
