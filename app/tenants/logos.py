"""The authority's logo on its Word documents: checked, stored, replaced, read back.

Only PNG and JPEG are taken, recognised from the file's own bytes (``filetype``), never from its
name or the browser's word; python-docx must be able to read its size, or Word could not lay it
out.
"""

from __future__ import annotations

import logging
import struct

import filetype
from docx.image.exceptions import (
    InvalidImageStreamError,
    UnexpectedEndOfFileError,
    UnrecognizedImageError,
)
from docx.image.image import Image

from app import files
from app.audit.services import record
from app.auth.models import User
from app.documents import Letterhead
from app.extensions import db
from app.tenants.models import Authority
from app.unit_of_work import operation

log = logging.getLogger(__name__)

MAX_LOGO_BYTES = 1024 * 1024
TYPES = {"image/png": "png", "image/jpeg": "jpg"}


class LogoRefused(ValueError):
    """The upload is not a logo the documents can carry; the message says why, for the form."""


def check_logo(data: bytes) -> str:
    """Return the extension the logo is stored under, or raise LogoRefused."""
    if not data:
        raise LogoRefused("The selected file is empty")
    if len(data) > MAX_LOGO_BYTES:
        raise LogoRefused("The selected file must be smaller than 1MB")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in TYPES:
        raise LogoRefused("The selected file must be a PNG or JPG")
    try:
        Image.from_blob(data)
    except (InvalidImageStreamError, UnexpectedEndOfFileError, UnrecognizedImageError,
            ValueError, IndexError, KeyError, struct.error) as error:
        raise LogoRefused("The selected file must be a PNG or JPG that opens as an image") from error
    return TYPES[kind.mime]


def replace_logo(authority: Authority, data: bytes, *, by: User) -> None:
    """Store the checked logo and point the authority at it. The file is stored before the
    change commits and removed if it does not; the replaced file is removed once it has."""
    stored = files.store(data, check_logo(data))
    try:
        old = _point_at_logo(authority, stored, len(data), by=by)
    except BaseException:
        files.remove(stored)
        raise
    if old:
        files.remove(old)


@operation
def _point_at_logo(authority: Authority, stored: str, size: int, *, by: User) -> str | None:
    old = authority.logo_file
    authority.logo_file = stored
    record(db.session, action="authority.logo_replaced", obj=authority, tenant_id=authority.id,
           actor_user_id=by.id, actor_authority_id=authority.id,
           old={"logo": bool(old)}, new={"logo": True, "bytes": size})
    return old


def remove_logo(authority: Authority, *, by: User) -> None:
    """Take the logo off the authority's documents; its file goes once that is committed."""
    old = _drop_logo(authority, by=by)
    if old:
        files.remove(old)


@operation
def _drop_logo(authority: Authority, *, by: User) -> str | None:
    old = authority.logo_file
    authority.logo_file = None
    record(db.session, action="authority.logo_removed", obj=authority, tenant_id=authority.id,
           actor_user_id=by.id, actor_authority_id=authority.id, old={"logo": bool(old)},
           new={"logo": False})
    return old


def logo_of(authority: Authority) -> bytes | None:
    if not authority.logo_file:
        return None
    data = files.read(authority.logo_file)
    if data is None:
        log.warning("logo file %s of authority %s is missing", authority.logo_file, authority.id)
    return data


def letterhead_for(authority: Authority) -> Letterhead:
    """Return the name and logo an authority's documents carry."""
    return Letterhead(authority_name=authority.name, logo=logo_of(authority))
