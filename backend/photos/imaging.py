"""Turning an uploaded file into trustworthy evidence, or refusing it.

The file is judged by its bytes, never by its name or declared type: the magic number must say
JPEG, PNG or WebP and Pillow must agree; markup or archives hidden inside (polyglots) are refused;
the pixel count is checked from the header before anything is decoded (decompression bombs); the
whole image must decode (truncated files). What is kept: the original's SHA-256, capture time and
GPS from its EXIF, a re-encoded display copy and a thumbnail — both without any metadata, so the
copy a public page gets carries no EXIF — and a 64-bit perceptual hash for finding reused photos.
"""
import io
import re
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from PIL.ExifTags import IFD

MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
BEIJING = timezone(timedelta(hours=8))
MAX_PIXELS = 50_000_000   # a 50 MP camera is the largest honest phone photo
MAX_SIDE = 12_000
DISPLAY_SIDE = 2048
THUMB_SIDE = 320
# Markers of another, active format riding inside an image (HTML/JS/PHP/SVG, ZIP/JAR, PDF). They are
# looked for only where such content can hide — metadata segments and anything after the image's
# end — never in compressed pixel data, where any byte pattern occurs by chance.
POLYGLOT = re.compile(rb"<\s*(script|html|svg|\?php|iframe|body)|PK\x03\x04|%PDF-", re.IGNORECASE)


class PhotoRejected(ValueError):
    def __init__(self, code, zh, en, status=400):
        super().__init__(en)
        self.code, self.zh, self.en, self.status = code, zh, en, status


@dataclass
class Processed:
    width: int
    height: int
    display: bytes
    thumb: bytes
    phash: int
    exif_taken_at: datetime | None
    exif_lat: float | None
    exif_lng: float | None


def sniff(data):
    """The format the bytes say they are, or None."""
    for magic, kind in MAGIC.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def process(data):
    """Check and convert an upload; raises PhotoRejected with a stable code."""
    if not data:
        raise PhotoRejected("photo_empty", "照片文件为空", "The photo file is empty")
    kind = sniff(data)
    if kind is None:
        raise PhotoRejected("photo_type", "只接受 JPEG、PNG 或 WebP 照片", "Only JPEG, PNG or WebP photos are accepted", 415)
    if any(POLYGLOT.search(part) for part in hiding_places(data, kind)):
        raise PhotoRejected("photo_polyglot", "照片文件中夹带了其他内容，已拒收",
                            "The file carries other content besides the image; refused")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise PhotoRejected("photo_bomb", "照片像素过多", f"The photo has too many pixels ({width}×{height})")
            _load_whole(image)
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected("photo_bomb", "照片像素过多", "The photo has too many pixels")
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
            raise PhotoRejected("photo_corrupt", "照片文件已损坏或不完整", f"The photo cannot be decoded ({err})")
    taken_at, lat, lng = _exif(image)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    return Processed(width=upright.width, height=upright.height,
                     display=_jpeg(upright, DISPLAY_SIDE, 82), thumb=_jpeg(upright, THUMB_SIDE, 75),
                     phash=dhash(upright), exif_taken_at=taken_at, exif_lat=lat, exif_lng=lng)


# Pillow decides whether a cut-off file is an error by a module-wide switch, and WeasyPrint turns it
# on when it is imported (a worker that has rendered a report would then take half a photo as a
# whole one): a photo is decoded with it off, one at a time.
_STRICT = threading.Lock()


def _load_whole(image):
    with _STRICT:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            image.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def hiding_places(data, kind):
    """The parts of an image file that are not pixel data: metadata and what follows the end."""
    if kind == "JPEG":
        return _jpeg_hiding_places(data)
    if kind == "PNG":
        return _chunk_hiding_places(data, 8, ">I", b"IEND", text=(b"tEXt", b"zTXt", b"iTXt"), crc=4)
    return _riff_hiding_places(data)


# Where a scan's entropy-coded data ends: a 0xFF that is neither a stuffed 0xFF00 nor a restart marker.
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_NESTED_JPEGS = 4  # a camera's EXIF thumbnail, an MPF preview, an Ultra HDR gain map: a few levels at most


def _jpeg_hiding_places(data, pos=2, depth=0):
    """A JPEG's metadata segments and trailer, without entropy-coded data — neither its own nor that
    of the JPEGs cameras embed: the EXIF thumbnail inside APP1, and the preview or gain-map images
    (MPF, Ultra HDR) that follow the main image's end. Those are parsed as JPEGs in turn; any other
    bytes are returned to be searched. (Searching a camera's embedded preview as raw bytes refused
    about 1 % of genuine 3 MB photos: compressed pixels spell ``<sVg`` now and then.)"""
    parts = []
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return parts + [data[pos:]]  # not a marker where one must be: treat the rest as suspect
        marker = data[pos + 1]
        if marker == 0xD9:  # end of image: what follows is another image or a trailer
            return parts + _after_image(data, pos + 2, depth)
        if marker in (0x01, *range(0xD0, 0xD8)) or marker == 0xFF:
            pos += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        segment = data[pos + 4:pos + 2 + length]
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:  # comment and APPn (EXIF, XMP, MPF...)
            parts += _segment_places(segment, depth)
        pos += 2 + length
        if marker == 0xDA:  # start of scan: skip entropy-coded data to the next real marker
            end = _SCAN_END.search(data, pos)
            pos = end.start() if end else len(data)
    return parts


def _embedded_jpeg(data, pos, depth):
    return depth < _NESTED_JPEGS and data[pos:pos + 3] == b"\xff\xd8\xff"


def _segment_places(segment, depth):
    """A metadata segment; a JPEG inside it (the EXIF thumbnail) is parsed, not searched raw."""
    at = segment.find(b"\xff\xd8\xff")
    if at < 0 or not _embedded_jpeg(segment, at, depth):
        return [segment]
    return [segment[:at]] + _jpeg_hiding_places(segment, at + 2, depth + 1)


def _after_image(data, pos, depth):
    """What follows an image's end: the next image of a multi-picture file (after zero padding), or a
    trailer, returned whole."""
    start = pos
    while start < len(data) and data[start] == 0:
        start += 1
    if start < len(data) and _embedded_jpeg(data, start, depth):
        return _jpeg_hiding_places(data, start + 2, depth + 1)
    return [data[pos:]]


def _chunk_hiding_places(data, pos, size_format, end, text, crc):
    import struct
    parts = []
    while pos + 8 <= len(data):
        (length,) = struct.unpack(size_format, data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind in text:
            parts.append(zlib_text(kind, body))
        pos += 8 + length + crc
        if kind == end:
            return parts + [data[pos:]]
    return parts + [data[pos:]]


def zlib_text(kind, body):
    """PNG text chunks, decompressed where they are compressed (zTXt, compressed iTXt)."""
    import zlib
    try:
        if kind == b"zTXt":
            return body + zlib.decompress(body[body.index(b"\x00") + 2:], bufsize=65536)[:65536]
    except (ValueError, zlib.error):
        pass
    return body


def _riff_hiding_places(data):
    size = int.from_bytes(data[4:8], "little") + 8
    parts, pos = [data[size:]], 12
    while pos + 8 <= min(size, len(data)):
        kind, length = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if kind in (b"EXIF", b"XMP "):
            parts.append(data[pos + 8:pos + 8 + length])
        pos += 8 + length + (length & 1)
    return parts


def _jpeg(image, side, quality):
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality, optimize=True)  # no exif= argument: no metadata
    return out.getvalue()


def dhash(image):
    """64-bit difference hash: survives re-encoding, resizing and mild edits of the same photo."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()  # one byte per pixel in mode L
    value = 0
    for row in range(8):
        for col in range(8):
            value = (value << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return value


def _exif(image):
    try:
        exif = image.getexif()
    except Exception:  # noqa: BLE001 — broken metadata must not sink an otherwise good photo
        return None, None, None
    taken_at = None
    raw = exif.get_ifd(IFD.Exif).get(0x9003) or exif.get(0x0132)
    if isinstance(raw, str):
        try:
            # EXIF times carry no zone; phones in China write Beijing time.
            taken_at = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S").replace(tzinfo=BEIJING)
        except ValueError:
            taken_at = None
    gps = exif.get_ifd(IFD.GPSInfo)
    lat = _degrees(gps.get(2), gps.get(1))
    lng = _degrees(gps.get(4), gps.get(3))
    return taken_at, lat, lng


def _degrees(value, ref):
    try:
        d, m, s = (float(x) for x in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if not (0 <= degrees <= 180):
        return None
    return round(-degrees if ref in ("S", "W") else degrees, 7)


def hamming(a, b):
    return bin(a ^ b).count("1")


def bands(phash):
    """Four 16-bit bands: two hashes within Hamming distance 3 share at least one band exactly,
    so candidates are found by equality on indexed columns (no scan over all photos)."""
    return [(phash >> shift) & 0xFFFF for shift in (48, 32, 16, 0)]
