"""QR round trips through real renderers: the SVG drawn by Chromium, and the label sheet printed to
an A4 PDF by Chromium and rasterised at printer resolution — each symbol decoded by zxing-cpp back
to the exact URL."""
import io
import math

import pypdfium2
import requests
import zxingcpp
from PIL import Image

from backend.plaques.services import PER_PAGE
from conftest import PASSWORD, code_of


def _decode(image):
    """The QR codes in the image (only QR: a label's printed digits once read as a 1-D barcode)."""
    return {r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}


def test_svg_rendered_by_chromium_decodes(app, browser, live_server, make_project, artifacts):
    code = code_of(app, make_project())
    page = browser.new_page(viewport={"width": 400, "height": 400})
    page.goto(f"{live_server}/api/v1/codes/{code}.svg")
    shot = page.screenshot(path=str(artifacts / "qr-svg.png"))
    page.close()
    assert _decode(Image.open(io.BytesIO(shot))) == {f"{live_server}/q/{code}"}


def test_label_sheet_prints_on_a4_and_every_label_decodes(app, world, browser, live_server, make_project,
                                                          artifacts):
    for _ in range(3):
        make_project(region="baisha", payments=False)
    token = requests.post(f"{live_server}/api/v1/auth/token",
                          json={"username": "t_lead_sibling", "password": PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    region_id = world["regions"]["taihuyuan"]
    context = browser.new_context(extra_http_headers=headers)
    page = context.new_page()
    response = page.goto(f"{live_server}/api/v1/regions/{region_id}/labels")
    assert response.status == 200
    codes = page.eval_on_selector_all(".label", "els => els.map(e => e.dataset.code)")
    assert len(codes) >= 4  # three projects and the township's unit, at least
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    context.close()
    (artifacts / "labels.pdf").write_bytes(pdf)
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == math.ceil(len(codes) / PER_PAGE)
    width_pt, height_pt = document[0].get_size()
    assert (round(width_pt / 72 * 25.4), round(height_pt / 72 * 25.4)) == (210, 297)
    found = set()
    for index, pdf_page in enumerate(document):
        image = pdf_page.render(scale=300 / 72).to_pil()  # 300 dpi, as a label printer would
        if index == 0:
            image.convert("L").resize((image.width // 3, image.height // 3)).save(artifacts / "labels-page1.png")
        found |= _decode(image)
    # Every label's address, and no address that is not a label's. (A decoder's false find in the
    # printed text, such as '603645' read once under the 2030 clock, is not an address of ours.)
    ours = {text for text in found if text.startswith(f"{live_server}/")}
    assert ours == {f"{live_server}/q/{code}" for code in codes}
