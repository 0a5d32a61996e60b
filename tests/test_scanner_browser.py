"""The in-app scanner as a cheap phone in poor light uses it: photos of a plaque with the grain,
dusk, blur and JPEG loss of a bad camera, and a live camera (Chromium's fake camera playing a
grainy video), are read by the app's jsQR path (headless Chromium has no BarcodeDetector); every
test image is first checked with an independent decoder (zxing-cpp), so a failure is the app's. Anyone — signed in or not — can type or paste a code instead, also inside a
shared message. Screenshots are kept in test-artifacts/."""
import io
import random
import re

import pytest
from PIL import Image, ImageChops, ImageFilter

from conftest import PHONE, code_of, csp_watched


def qr_image(app, code):
    with app.test_client() as client:
        r = client.get(f"/api/v1/codes/{code}.png")
        assert r.status_code == 200
        return Image.open(io.BytesIO(r.data)).convert("L")


def scene(qr, side, size=(1280, 720), seed=1):
    """The plaque (the code on white) on a grey, slightly textured wall, centred."""
    random.seed(seed)
    wall = Image.effect_noise(size, 18).point(lambda v: int(120 + (v - 128) * 0.5)).filter(ImageFilter.GaussianBlur(3))
    plaque = Image.new("L", (int(side * 1.15), int(side * 1.3)), 250)
    plaque.paste(qr.resize((side, side), Image.NEAREST), (int(side * 0.075), int(side * 0.05)))
    wall.paste(plaque, ((size[0] - plaque.width) // 2, (size[1] - plaque.height) // 2))
    return wall


def grain(image, sigma):
    """A cheap sensor's noise in poor light: Gaussian, σ in grey levels."""
    return ImageChops.add(image, Image.effect_noise(image.size, sigma), scale=1, offset=-128)


def dusk(image):
    return image.point(lambda v: int(40 + v * 0.35))


def jpeg(image, quality=85):
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


CASES = {
    "clean": lambda qr: jpeg(scene(qr, 384)),
    "grain8": lambda qr: jpeg(grain(scene(qr, 384), 8)),
    "grain12": lambda qr: jpeg(grain(scene(qr, 384), 12)),
    "grain20": lambda qr: jpeg(grain(scene(qr, 384), 20)),
    "dusk_grain8": lambda qr: jpeg(grain(dusk(scene(qr, 384)), 8)),
    "small_dim_soft_grain_q30": lambda qr: jpeg(grain(dusk(scene(qr, 192)).filter(ImageFilter.GaussianBlur(1.2)), 10), 30),
    "tilted_grain10": lambda qr: jpeg(grain(scene(qr, 384).rotate(20, fillcolor=120), 10)),
}


@pytest.mark.parametrize("case", CASES)
def test_a_photo_of_the_plaque_in_poor_light_opens_the_project(app, live_server, make_project, phone, artifacts, case):
    import zxingcpp
    code = code_of(app, make_project(stage="construction"))
    data = CASES[case](qr_image(app, code))
    read = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert read and read[0].text.endswith(f"/q/{code}"), "the test image itself must be readable"
    phone.goto(f"{live_server}/scan")
    phone.wait_for_selector("[data-testid=scan-file]", state="attached")
    phone.set_input_files("[data-testid=scan-file]", files=[{"name": "plaque.jpg", "mimeType": "image/jpeg", "buffer": data}])
    phone.wait_for_url(re.compile(rf"/q/{code}$"), timeout=15_000)
    phone.wait_for_selector("[data-testid=project-name]")
    if case in ("grain12", "small_dim_soft_grain_q30"):
        Image.open(io.BytesIO(data)).save(artifacts / f"scanner-input-{case}.png")


def test_anyone_can_type_or_paste_a_code_on_the_scanner(app, live_server, make_project, phone, artifacts):
    code = code_of(app, make_project(stage="construction"))
    phone.goto(f"{live_server}/scan")  # not signed in: a villager whose plaque is scratched
    phone.click("[data-testid=scan-manual]")
    box = phone.locator("[data-testid=code-input]")
    box.wait_for()
    box.fill(code[:-1])  # one character short
    phone.click("[data-testid=code-open]")
    message = phone.locator("form.code-card [data-testid=error]")
    assert "14 位" in message.inner_text() and "13 位" in message.inner_text()
    phone.screenshot(path=str(artifacts / "scanner-typed-short.png"))
    # A message shared from WeChat with the link inside it.
    box.fill(f"【基财智控】钱王社区道路提升改造工程 {live_server}/q/{code.lower()} 点击查看")
    phone.click("[data-testid=code-open]")
    phone.wait_for_url(re.compile(rf"/q/{code}$"))
    phone.wait_for_selector("[data-testid=project-name]")
    # A wrong code's page leads back to scanning, not to a sign-in the villager does not have.
    phone.goto(f"{live_server}/q/{code[:-1]}0" if code[-1] != "0" else f"{live_server}/q/{code[:-1]}1")
    phone.wait_for_selector("[data-testid=error-scan]")
    phone.click("[data-testid=error-scan]")
    phone.wait_for_url(re.compile(r"/scan$"))


def y4m(frames, path):
    """A grey-scale video in the YUV4MPEG2 format Chromium's fake camera plays (looped)."""
    width, height = frames[0].size
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        chroma = bytes([128]) * ((width // 2) * (height // 2) * 2)
        for frame in frames:
            out.write(b"FRAME\n" + frame.tobytes() + chroma)


@pytest.mark.parametrize("sigma", [8, 12])
def test_the_live_camera_reads_a_grainy_plaque(app, browser, live_server, make_project, tmp_path, sigma):
    """A cheap camera at dusk: new grain on every frame, the code on the plaque still readable."""
    import zxingcpp

    from conftest import CHROMIUM, CHROMIUM_ARGS
    code = code_of(app, make_project(stage="construction"))
    plaque = scene(qr_image(app, code), 384)  # 1280 × 720, as phones film
    frames = [grain(plaque, sigma) for _ in range(12)]
    assert zxingcpp.read_barcodes(frames[0]), "the frame itself must be readable"
    video = tmp_path / f"grain{sigma}.y4m"
    y4m(frames, video)
    camera = csp_watched(browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"]))
    try:
        context = camera.new_context(**PHONE, permissions=["camera"])
        page = context.new_page()
        page.goto(f"{live_server}/scan")
        page.wait_for_url(re.compile(rf"/q/{code}$"), timeout=20_000)
        page.wait_for_selector("[data-testid=project-name]")
    finally:
        camera.close()
