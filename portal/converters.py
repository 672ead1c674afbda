"""URL converters every app uses."""

from __future__ import annotations

from portal.forms import KEY_MAX


class IdConverter:
    """``<id:name>``: a database key in a URL. Like Django's ``int``, but a number no key
    can be (beyond 64 bits) does not match (404) instead of reaching the database, where it
    would raise an overflow error (500)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > KEY_MAX:
            raise ValueError("beyond a 64-bit key")
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)
