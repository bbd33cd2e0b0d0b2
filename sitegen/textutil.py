"""Small text helpers shared by readers and renderers."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive key: 'Tillabéri ' -> 'tillaberi'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())
