"""The instructor's secret: what makes a printed sheet useless for rebuilding its key.

Every sheet's questions come from an RNG seeded with HMAC-SHA256(secret,
course seed, student id); the sheet prints only a *variant code*, another
HMAC of the same inputs, truncated. Students have the same tool and may know
the course seed, but without the secret the same command gives other sheets.

The secret is a file the instructor keeps: ``--secret-file PATH``, else
``$EURON_GRADE_SECRET_FILE``, else ``$XDG_CONFIG_HOME/euron-grade/quiz-secret``
(``~/.config/euron-grade/quiz-secret``). Generating sheets creates it on
first use (32 random bytes, hex, mode 0600); grading never creates it. Its
content is never printed nor written into any output: sheets, keys, LMS files
and the quiz manifest carry at most its *fingerprint*, an HMAC that tells
whether two secrets are the same and nothing else.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets as _random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import QuizError

ENV = "EURON_GRADE_SECRET_FILE"
FILE_NAME = "quiz-secret"
MIN_LENGTH = 16


@dataclass(frozen=True)
class Secret:
    """The instructor's key (kept out of ``repr``), the file it came from, and whether it was just made."""

    key: bytes = field(repr=False)
    path: Path | None = None
    created: bool = False

    @property
    def fingerprint(self) -> str:
        """16 hex digits that identify the secret without revealing it."""
        return hmac.new(self.key, b"euron-grade:fingerprint", hashlib.sha256).hexdigest()[:16]


def default_secret_path() -> Path:
    """``$EURON_GRADE_SECRET_FILE``, else the user's config folder."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "euron-grade" / FILE_NAME


def load_secret(path: str | Path | None = None, *, create: bool = False) -> Secret:
    """Read the secret; with ``create``, make a new one where there is none."""
    p = Path(path).expanduser() if path else default_secret_path()
    try:
        text = p.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if not create:
            raise QuizError(f"no instructor secret at {p}: grading needs the secret file the sheets were made "
                            f"with (give --secret-file PATH or set ${ENV})") from None
        return _create(p)
    except (OSError, UnicodeDecodeError) as e:
        raise QuizError(f"cannot read the instructor secret {p}: {getattr(e, 'strerror', None) or e}") from None
    if len(text) < MIN_LENGTH:
        raise QuizError(f"the instructor secret {p} is shorter than {MIN_LENGTH} characters: "
                        f"delete it to have a new one made, or write a longer one")
    return Secret(text.encode("utf-8"), p)


def _create(p: Path) -> Secret:
    text = _random.token_hex(32)
    try:
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    except FileExistsError:  # made meanwhile by another run: use that one
        return load_secret(p)
    except OSError as e:
        raise QuizError(f"cannot create the instructor secret {p}: {e.strerror or e}") from None
    return Secret(text.encode("utf-8"), p, created=True)


def _mac(secret: Secret | None, purpose: str, parts: tuple[Any, ...]) -> bytes:
    message = ":".join([purpose, *map(str, parts)]).encode("utf-8")
    if secret is None:  # no secret (library use, tests): reproducible from the parts alone
        return hashlib.sha256(message).digest()
    return hmac.new(secret.key, message, hashlib.sha256).digest()


def keyed_seed(secret: Secret | None, *parts: Any) -> int:
    """A 63-bit RNG seed from the secret and ``parts`` (course seed, student id, attempt)."""
    return int.from_bytes(_mac(secret, "sheet", parts)[:8], "big") >> 1


def variant_code(secret: Secret | None, *parts: Any) -> str:
    """The code printed on a sheet: 8 characters of base32, ``K7QM-2XDA``.

    An independent HMAC of the same inputs as :func:`keyed_seed`: it names the
    variant (the key prints it too) and tells nothing about the questions.
    """
    raw = base64.b32encode(_mac(secret, "code", parts)[:5]).decode("ascii")
    return f"{raw[:4]}-{raw[4:]}"
