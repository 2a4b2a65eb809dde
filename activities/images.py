"""Images of activities: checked with Pillow, turned upright, resized and stripped.

An editor's phone photo can carry the exact spot where it was taken (EXIF GPS), the camera
and the time. Residents never need any of that, so every upload is decoded and encoded
again from the pixels alone: nothing of the original file survives except what it shows.
Refusals raise ValidationError with a message the form shows next to the field; nothing is
written to storage until the activity itself is saved.
"""

from __future__ import annotations

import io
import threading
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

#: Uploads above this size are refused before Pillow looks at them.
MAX_BYTES = 8 * 1024 * 1024
#: Larger pictures are not photos an editor means to show; they only cost memory.
MAX_SIDE = 6000
#: Pixels in all (a 24-megapixel phone photo is fine): checked from the file's header
#: before anything is decoded, so a crafted file cannot make us decode gigabytes.
MAX_PIXELS = 25_000_000
#: Smaller pictures look blurred on every page that shows them.
MIN_SIDE = 200
#: MPO is how Pillow names the JPEG files some phones write (a photo plus a depth map).
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
#: (width, height) boxes of the two stored versions: the activity page and the cards.
LARGE_BOX = (1200, 1800)
SMALL_BOX = (480, 720)
JPEG_QUALITY = 82


@dataclass(frozen=True)
class ProcessedImage:
    """The two versions to store, ready to assign to Activity.image and image_small."""

    large: ContentFile
    small: ContentFile


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not a picture we can use. Choose a photo in JPEG, PNG or WebP format."),
        code="invalid_image",
    )


_strict_lock = threading.Lock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Refuse truncated files while we decode an upload.

    WeasyPrint (the PDF posters) sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import,
    which would let half an upload through as a picture with a grey bottom. Switch it off
    for the moment we decode; the worst a concurrent PDF render sees is a skipped image.
    """
    with _strict_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _check_header(probe: Image.Image) -> None:
    """Format and size from the file's header alone: no pixel is decoded yet."""
    if probe.format not in ALLOWED_FORMATS:
        raise _not_an_image()
    width, height = probe.size
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ValidationError(
            _(
                "The picture is %(width)d by %(height)d pixels; at most %(max)d by %(max)d "
                "and %(megapixels)d megapixels is allowed. Make it smaller and try again."
            )
            % {
                "width": width,
                "height": height,
                "max": MAX_SIDE,
                "megapixels": MAX_PIXELS // 1_000_000,
            },
            code="too_large",
        )
    if width < MIN_SIDE or height < MIN_SIDE:
        raise ValidationError(
            _(
                "The picture is %(width)d by %(height)d pixels; it needs at least "
                "%(min)d by %(min)d to look sharp."
            )
            % {"width": width, "height": height, "min": MIN_SIDE},
            code="too_small",
        )


_DECODE_ERRORS = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
)


def _read(upload: UploadedFile) -> bytes:
    if upload.size is not None and upload.size > MAX_BYTES:
        raise _too_big_file()
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_big_file()
    return data


def _too_big_file() -> ValidationError:
    return ValidationError(
        _("The file is larger than %(mb)d MB. Choose a smaller photo.")
        % {"mb": MAX_BYTES // (1024 * 1024)},
        code="file_too_large",
    )


def check_upload(upload: UploadedFile) -> None:
    """The cheap checks (size, format, dimensions from the header), for a form field's
    clean: decoding waits until the rest of the form is valid (process_upload)."""
    data = _read(upload)
    with warnings.catch_warnings(), _strict_decoding():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                _check_header(probe)
        except ValidationError:
            raise
        except _DECODE_ERRORS:
            raise _not_an_image() from None


def _open_checked(data: bytes) -> Image.Image:
    """Open the bytes as a real JPEG/PNG/WebP within the size limits, or refuse them."""
    # The limits are checked from the header before any pixel is decoded; Pillow's own
    # decompression-bomb guard (Image.MAX_IMAGE_PIXELS) is the second line of defence.
    with warnings.catch_warnings(), _strict_decoding():
        # A decompression-bomb warning is a refusal too, not something to log and carry on.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                _check_header(probe)
                probe.verify()
            # verify() leaves the file unusable: open it again to decode the pixels.
            image = Image.open(io.BytesIO(data))
            # JPEG can decode at a reduced scale: far less memory for a big phone photo.
            image.draft("RGB", (LARGE_BOX[1], LARGE_BOX[1]))
            image.load()
        except ValidationError:
            raise
        except _DECODE_ERRORS:
            raise _not_an_image() from None
    return image


def _normalised(image: Image.Image) -> tuple[Image.Image, bool]:
    """Upright, first frame only, in a mode we can save; and whether it is transparent."""
    image = ImageOps.exif_transpose(image) or image
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if transparent:
        return image.convert("RGBA"), True
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    return image, False


def _encode(image: Image.Image, box: tuple[int, int], *, transparent: bool, icc) -> bytes:
    copy = image.copy()
    copy.thumbnail(box, Image.Resampling.LANCZOS)
    # Nothing of the original metadata travels along: no EXIF, GPS, XMP or comments.
    copy.info = {}
    out = io.BytesIO()
    options = {"icc_profile": icc} if icc else {}
    if transparent:
        copy.save(out, format="PNG", optimize=True, **options)
    else:
        copy.save(
            out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, **options
        )
    return out.getvalue()


def process_upload(upload: UploadedFile) -> ProcessedImage:
    """Check an uploaded file and make the stored versions; ValidationError when refused."""
    original = _open_checked(_read(upload))
    # The colour profile is not personal; keeping it keeps phone photos' colours right.
    icc = original.info.get("icc_profile")
    try:
        image, transparent = _normalised(original)
        large = _encode(image, LARGE_BOX, transparent=transparent, icc=icc)
        small = _encode(image, SMALL_BOX, transparent=transparent, icc=icc)
    except (OSError, ValueError):
        raise _not_an_image() from None
    finally:
        original.close()
    extension = "png" if transparent else "jpg"
    token = uuid.uuid4().hex
    return ProcessedImage(
        large=ContentFile(large, name=f"{token}.{extension}"),
        small=ContentFile(small, name=f"{token}-small.{extension}"),
    )


def delete_files_on_commit(*files: FieldFile) -> None:
    """Remove replaced image files from storage once the new ones are safely recorded."""
    stored = [(file.storage, file.name) for file in files if file and file.name]

    def delete() -> None:
        for storage, name in stored:
            storage.delete(name)

    if stored:
        transaction.on_commit(delete)
