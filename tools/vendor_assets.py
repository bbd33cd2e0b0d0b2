"""Refresh the vendored Leaflet and leaflet.markercluster in sitegen/assets/vendor/ from node_modules/.

The vendored files are committed, so every wheel built from a clean clone carries them and
the site serves them itself (no CDN, no npm step for users). To upgrade: change the versions
in package.json, `npm install` (which rewrites package-lock.json), run this script, commit.
tests/test_packaging.py checks the committed files are those of package-lock.json's versions.

    python tools/vendor_assets.py [--node-modules DIR] [--dest DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (package, files or folders inside the package, folder under vendor/)
FILES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("leaflet", ("dist/leaflet.js", "dist/leaflet.css", "dist/images", "LICENSE"), "leaflet"),
    (
        "leaflet.markercluster",
        (
            "dist/leaflet.markercluster.js",
            "dist/MarkerCluster.css",
            "dist/MarkerCluster.Default.css",
            "MIT-LICENCE.txt",
        ),
        "leaflet.markercluster",
    ),
)


def vendor(node_modules: Path, dest: Path) -> list[Path]:
    """Copy the files; return what was written. FileNotFoundError names what is missing."""
    wanted = [node_modules / package / item for package, items, _ in FILES for item in items]
    missing = [path for path in wanted if not path.exists()]
    if missing:
        raise FileNotFoundError("missing (run 'npm ci' first): " + ", ".join(str(m) for m in missing))
    if dest.exists():
        shutil.rmtree(dest)
    written: list[Path] = []
    for package, items, folder in FILES:
        target_dir = dest / folder
        target_dir.mkdir(parents=True, exist_ok=True)
        for item in items:
            source = node_modules / package / item
            target = target_dir / source.name
            if source.is_dir():
                shutil.copytree(source, target)  # images/ stays beside leaflet.css, which refers to it
                written.extend(sorted(p for p in target.rglob("*") if p.is_file()))
            else:
                shutil.copyfile(source, target)
                written.append(target)
    written.append(_write_manifest(node_modules, dest, written))
    return written


def _write_manifest(node_modules: Path, dest: Path, files: list[Path]) -> Path:
    """vendor.json: each package's version and each file's sha256, checked by the tests."""
    manifest = {
        "packages": {
            package: json.loads((node_modules / package / "package.json").read_text(encoding="utf-8"))["version"]
            for package, _, _ in FILES
        },
        "files": {
            path.relative_to(dest).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(files)
        },
    }
    target = dest / "vendor.json"
    target.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    parser.add_argument("--dest", type=Path, default=ROOT / "sitegen" / "assets" / "vendor")
    args = parser.parse_args(argv)
    try:
        written = vendor(args.node_modules, args.dest)
    except FileNotFoundError as exc:
        print(f"vendor_assets: {exc}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in written)
    print(f"vendor_assets: {len(written)} files, {size / 1024:.0f} KiB in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
