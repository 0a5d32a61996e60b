"""Genuine photos are never refused as polyglots. Compressed pixel data spells ``<sVg`` or ``PK\\x03\\x04``
now and then, and phones put compressed images where metadata lives: the EXIF thumbnail, and the
preview or gain-map image after the photo's end (MPF, Ultra HDR). 1,000 noisy multi-picture JPEGs
of a phone's entropy are all accepted by the check (a few of them tripped the raw search)."""
import io
import random

from PIL import Image, ImageDraw

from backend.photos import imaging

W, H = 1600, 1200  # fewer pixels than a 12 MP camera, the same entropy per byte: ~1.8 MB each
COUNT = 1000


def _scene(size, seed):
    rng = random.Random(seed)
    image = Image.new("RGB", size, (120, 130, 110))
    draw = ImageDraw.Draw(image)
    for _ in range(80):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle([x, y, x + rng.randrange(40, 600), y + rng.randrange(40, 400)],
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    noise = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    return Image.blend(image, noise, 0.3)  # sensor noise: what makes camera JPEGs incompressible


def genuine_photos(count=COUNT):
    """``count`` distinct camera-like JPEGs, each with a half-size preview after it (Pillow's MPO)."""
    main, preview = _scene((W + 512, H + 512), 1), _scene((W // 2 + 256, H // 2 + 256), 2)
    for i in range(count):
        rng = random.Random(i)
        x, y, px, py, quality = rng.randrange(512), rng.randrange(512), rng.randrange(256), rng.randrange(256), \
            rng.choice((85, 90, 92))
        if i == 0:  # a preview whose compressed bytes spell "<SvG" (found by search): kept so the corpus
            px, py, quality = 21, 245, 85  # surely holds what a raw search of the trailer refuses
        out = io.BytesIO()
        main.crop((x, y, x + W, y + H)).save(out, "MPO", quality=quality, save_all=True,
                                              append_images=[preview.crop((px, py, px + W // 2, py + H // 2))])
        yield out.getvalue()


def test_a_thousand_genuine_photos_are_never_taken_for_polyglots():
    refused, raw_matches, sizes = [], 0, []
    for i, data in enumerate(genuine_photos()):
        sizes.append(len(data))
        raw_matches += imaging.POLYGLOT.search(data) is not None
        if any(imaging.POLYGLOT.search(part) for part in imaging.hiding_places(data, "JPEG")):
            refused.append(i)
    assert refused == []
    assert raw_matches > 0  # the corpus does hold the bytes that fooled the old check
    assert min(sizes) > 900_000


def test_genuine_photos_pass_the_whole_pipeline():
    for data in genuine_photos(3):
        processed = imaging.process(data)
        assert (processed.width, processed.height) == (W, H)
