"""What may be shared: the type is read from the file's first bytes, never from its name or
the browser's claim. SVG and HTML are refused (they can carry scripts); images must decode."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

TEXT_SAMPLE_BYTES = 64 * 1024
MAX_IMAGE_PIXELS = 50_000_000

# first bytes -> (content type, extension)
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
    (b"%PDF-", "application/pdf", ".pdf"),
]


class Refused(ValueError):
    """The reason, safe to show to the person who uploaded."""


@dataclass(frozen=True, slots=True)
class Checked:
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None


def check(upload: UploadedFile) -> Checked:
    """Accept or refuse an upload by its size and content."""
    limit = settings.CHAT_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise Refused(_("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)})
    if upload.size == 0:
        raise Refused(_("The file is empty."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = ("image/webp", ".webp")
    else:
        found = next(((kind, ext) for magic, kind, ext in SIGNATURES if head.startswith(magic)), None)
    if found is None:
        if _is_plain_text(upload):
            return Checked("text/plain", ".txt")
        raise Refused(_("Only images (PNG, JPEG, GIF, WebP), PDF and plain text files can be shared."))
    content_type, extension = found
    if content_type.startswith("image/"):
        return _checked_image(upload, content_type, extension)
    return Checked(content_type, extension)


def _is_plain_text(upload: UploadedFile) -> bool:
    """Whether the file's first 64 KiB are UTF-8 text (no NUL, not markup). A character the
    sample's end cuts in two is fine: the decoder is told more may follow (``final=False``)."""
    sample = upload.read(TEXT_SAMPLE_BYTES)
    upload.seek(0)
    if b"\x00" in sample:
        return False
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    lowered = text.lstrip().lower()
    return not lowered.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script"))


def _checked_image(upload: UploadedFile, content_type: str, extension: str) -> Checked:
    """Refuse an image that does not decode or declares more than ``MAX_IMAGE_PIXELS``
    (Pillow's own decompression-bomb refusal, for a header declaring far more, says the same)."""
    from PIL import Image

    too_large = Refused(_("The image is too large in pixels."))
    try:
        with Image.open(upload) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise too_large
            image.verify()
    except Image.DecompressionBombError:
        raise too_large from None
    except Refused:
        raise
    except Exception:  # as Django's ImageField: whatever Pillow raises on a broken file (IndexError too)
        raise Refused(_("The image is damaged or not what its first bytes claim.")) from None
    finally:
        upload.seek(0)
    return Checked(content_type, extension, width, height)
