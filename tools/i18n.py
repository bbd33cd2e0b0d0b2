"""Message catalogues: `python tools/i18n.py update` adds every new message of the theme's
templates and of sitegen/messages.py to sitegen/locale/<lang>/LC_MESSAGES/{theme,cli}.po
(untranslated, for a translator to fill in; messages no longer used are dropped), then
compiles them; `python tools/i18n.py compile` only compiles the .po into the .mo that
sitegen reads. Both files are committed: a wheel works with no extra step, and
tests/test_i18n.py fails when a .mo is older than its .po or a message is untranslated.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen.i18n import DOMAINS, LANGUAGES, LOCALE_DIR, extract  # noqa: E402


def po_path(lang: str, domain: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def mo_bytes(po: Path) -> bytes:
    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parent.parent.name, domain=po.stem)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def update() -> None:
    for lang in LANGUAGES[1:]:
        for domain in DOMAINS:
            template = extract(domain)
            path = po_path(lang, domain)
            if path.exists():
                with path.open("rb") as f:
                    catalog = read_po(f, locale=lang, domain=domain)
            else:
                from babel.messages.catalog import Catalog

                catalog = Catalog(locale=lang, domain=domain, project="sitegen", fuzzy=False)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            out = io.BytesIO()
            write_po(out, catalog, width=100, omit_header=False, sort_output=False, include_lineno=False)
            path.write_bytes(out.getvalue())
            missing = sum(1 for m in catalog if m.id and not (m.string if isinstance(m.string, str) else m.string and all(m.string)))
            fuzzy = sum(1 for m in catalog if m.id and m.fuzzy)
            print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {missing} untranslated, {fuzzy} fuzzy (check, then remove the flag)")
    compile_all()


def compile_all() -> None:
    for lang in LANGUAGES[1:]:
        for domain in DOMAINS:
            po = po_path(lang, domain)
            po.with_suffix(".mo").write_bytes(mo_bytes(po))


if __name__ == "__main__":
    {"update": update, "compile": compile_all}[sys.argv[1] if len(sys.argv) > 1 else "update"]()
