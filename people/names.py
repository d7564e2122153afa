"""People's display names are plain visible text: two names that look the same are the same.

A name is shown as the person's first and last name (or their username). Before a user is
saved, from anywhere (the admin, a form, the shell, a command), both parts are normalised:
Unicode NFKC (compatibility forms such as full-width letters or a no-break space become the
plain ones), format and control characters removed (zero-width spaces and joiners, bidi
overrides, soft hyphens: category Cf and Cc) and runs of whitespace collapsed to one space.
"Ali\u200bce" and "Alice" are then the same name. (Usernames already allow only letters,
digits and ``@.+-_``, and Django normalises them with NFKC.)
"""

from __future__ import annotations

import unicodedata
from typing import Any

NAME_FIELDS = ("first_name", "last_name")
INVISIBLE = {"Cf", "Cc"}  # format (zero-width, bidi, soft hyphen) and control characters


def clean_name(value: str) -> str:
    """``value`` as it is shown: NFKC, no format or control characters, single spaces."""
    value = unicodedata.normalize("NFKC", value)
    kept = (char for char in value if char.isspace() or unicodedata.category(char) not in INVISIBLE)
    return " ".join("".join(kept).split())  # tabs and newlines (Cc) are whitespace: one space


def clean_names_before_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    """pre_save of the user model: normalise the parts of the display name."""
    for field in NAME_FIELDS:
        value = getattr(instance, field, None)
        if isinstance(value, str):
            setattr(instance, field, clean_name(value))
