"""The survey link: `/s/<token>/`, the token signed with the desk's SECRET_KEY and a salt of
its own (a token made for another purpose never passes here), timestamped, valid for the
settings' expiry (docs/surveys.md, "The link")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

SALT = "afterdesk.surveys.link"


@dataclass(frozen=True)
class LinkTarget:
    survey_id: int
    key: str


class LinkInvalid(Exception):
    """Forged, tampered with or not a survey link."""


class LinkExpired(Exception):
    """Genuine, but older than the expiry."""


def link_token(*, survey_id: int, key: str) -> str:
    return signing.dumps([survey_id, key], salt=SALT)


def link_read(token: str, *, max_age: timedelta) -> LinkTarget:
    """The survey a token names; LinkExpired or LinkInvalid otherwise."""
    try:
        value = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkExpired(str(error)) from error
    except signing.BadSignature as error:
        raise LinkInvalid(str(error)) from error
    match value:
        case [int() as survey_id, str() as key] if not isinstance(survey_id, bool):
            return LinkTarget(survey_id=survey_id, key=key)
    raise LinkInvalid("not a survey link")
