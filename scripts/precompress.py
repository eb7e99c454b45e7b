"""Write precompressed siblings of the page's files: FILE.gz with Zopfli (gzip format) and
FILE.br with Brotli at quality 11. The backend serves them in place of FILE when the browser
accepts the encoding and the sibling is not older than FILE.

Usage: precompress.py FILE...   (needs the PyPI packages zopfli and brotli, which
scripts/install-test-deps.sh installs into .tools/venv)
"""

import sys
from pathlib import Path

import brotli
import zopfli.gzip


def write_siblings(path: Path) -> None:
    data = path.read_bytes()
    path.with_name(path.name + ".gz").write_bytes(zopfli.gzip.compress(data))
    path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=11))


def main() -> None:
    for name in sys.argv[1:]:
        write_siblings(Path(name))


if __name__ == "__main__":
    main()
