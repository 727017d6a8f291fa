"""Checking uploaded photos and making their responsive WebP renditions (Pillow)."""

from __future__ import annotations

import hashlib
import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MIN_WIDTH = 600
MIN_HEIGHT = 300
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
RENDITION_WIDTHS = (480, 800, 1200, 1600)
RENDITION_DIR = "treatments/renditions"
WEBP_QUALITY = 80


def _open_checked(file) -> Image.Image:
    """Open an image safely: header only first, refusing bombs before any pixel is decoded."""
    with warnings.catch_warnings():
        # Pillow warns (and above twice its limit, raises) for decompression bombs; both
        # are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(file)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(
                "This image is far too large in pixels to open safely. "
                "Please export it at a normal photo size (for example 2400 pixels wide).",
                code="bomb",
            ) from exc
    return image


def validate_image_upload(file) -> tuple[int, int]:
    """Raise ValidationError with a message staff understand, or return (width, height).

    Checks: not empty, at most 10 MB, a real JPEG, PNG or WebP (not just the file name),
    at least 600 px wide and at most 40 megapixels, and not damaged.
    """
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    if not size:
        raise ValidationError("This file is empty. Please choose the photo again.", code="empty")
    if size > MAX_BYTES:
        raise ValidationError(
            f"This file is {size / 1024 / 1024:.1f} MB; the largest we accept is 10 MB. "
            "Please export a smaller copy of the photo.",
            code="too_big",
        )
    file.seek(0)
    try:
        image = _open_checked(file)
    except UnidentifiedImageError as exc:
        raise ValidationError(
            "This file is not a photo we can read. Please upload a JPEG, PNG or WebP image.",
            code="not_image",
        ) from exc
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"{image.format or 'This'} images are not accepted. "
            "Please upload a JPEG, PNG or WebP image.",
            code="format",
        )
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ValidationError(
            f"This image is {width} × {height} pixels, more than 40 megapixels. "
            "Please export it at a normal photo size (for example 2400 pixels wide).",
            code="bomb",
        )
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise ValidationError(
            f"This image is only {width} × {height} pixels and would look blurred. "
            f"Please use a photo at least {MIN_WIDTH} pixels wide.",
            code="too_small",
        )
    try:
        image.verify()
    except Exception as exc:  # Pillow raises many types for damaged files
        raise ValidationError(
            "This image file seems to be damaged. Please export it again and re-upload.",
            code="damaged",
        ) from exc
    finally:
        file.seek(0)
    return width, height


def generate_renditions(image_field) -> dict:
    """Write WebP copies of an uploaded photo at the standard widths; return their metadata.

    Side effects: reads the original from storage and writes up to four files under
    `treatments/renditions/`. Widths larger than the original are skipped (the original
    width is used instead), so nothing is ever upscaled.
    """
    image_field.open("rb")
    try:
        data = image_field.read()
    finally:
        image_field.close()
    digest = hashlib.sha256(data).hexdigest()[:12]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as source:
            source = ImageOps.exif_transpose(source)
            source = source.convert("RGBA" if source.mode in ("RGBA", "LA", "P") else "RGB")
            width, height = source.size
            widths = [w for w in RENDITION_WIDTHS if w < width] + [min(width, 1600)]
            renditions = []
            for target in sorted(set(widths)):
                target_height = round(height * target / width)
                resized = source.resize((target, target_height), Image.Resampling.LANCZOS)
                buffer = io.BytesIO()
                resized.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
                name = default_storage.save(
                    f"{RENDITION_DIR}/{digest}-{target}.webp", ContentFile(buffer.getvalue())
                )
                renditions.append({"name": name, "width": target, "height": target_height})
    return {
        "source": image_field.name,
        "width": width,
        "height": height,
        "renditions": renditions,
    }


def delete_renditions(metadata: dict) -> None:
    for item in (metadata or {}).get("renditions", []):
        default_storage.delete(item["name"])
