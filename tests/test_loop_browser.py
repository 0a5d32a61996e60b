"""The whole closed loop with three people on three phones against a real gunicorn:
a township lead opens a rectification from a warning, the inspector hands in evidence with a
photo, the lead sends it back once and then approves (the warning is cleared, 销号); the county
supervisor sees the overdue rectifications of the county and reopens the approved one."""
import re
from datetime import timedelta

from backend.core import clock
from conftest import jpeg_bytes, sign_in, warning_for

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "locale": "zh-CN",
         "is_mobile": True, "has_touch": True, "permissions": ["geolocation"],
         "geolocation": {"latitude": 30.2341, "longitude": 119.7201, "accuracy": 10}}


def _phone(pages, live_server, user):
    return sign_in(pages(PHONE), live_server, user)


def _overdue_rectification(app, make_rectification):
    """A rectification whose deadline passed, escalated by the cron command."""
    from backend.extensions import db
    from backend.rectifications.models import Rectification
    rect_id = make_rectification("open")
    with app.app_context():
        db.session.get(Rectification, rect_id).due_on = clock.now().date() - timedelta(days=3)
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["escalate"]).exit_code == 0
    return rect_id


def test_lead_inspector_and_county_close_the_loop(app, pages, live_server, make_warning, make_rectification,
                                                  artifacts):
    warning_id, project_id = make_warning()
    overdue_id = _overdue_rectification(app, make_rectification)
    lead = _phone(pages, live_server, "t_lead")
    lead.goto(f"{live_server}/risks/{warning_id}")
    lead.wait_for_selector("[data-testid=risk-card]")
    lead.screenshot(path=str(artifacts / "loop-1-warning.png"), full_page=True)
    lead.click("[data-testid=risk-rectify]")
    lead.fill("[data-testid=rect-requirement]", "调整施工计划并报批，补齐现场围挡")
    lead.select_option("[data-testid=rect-responsible]", label="测试inspector")
    lead.click("[data-testid=rectify-ok]")
    lead.wait_for_url(re.compile(r"/rectifications/\d+$"))
    lead.wait_for_selector("[data-testid=rect-page][data-status=open]")
    rect_url = lead.url

    insp = _phone(pages, live_server, "t_inspector")
    insp.goto(rect_url)
    insp.click("[data-testid=rect-submit-open]")
    insp.fill("[data-testid=evidence-text]", "围挡已补齐，计划已报批")
    insp.set_input_files("[data-testid=photo-input]", files=[
        {"name": "after.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(51, size=(1600, 1200))}])
    insp.wait_for_selector("[data-testid=thumb]")
    # The browser is killed while the camera app is open: the evidence is there when it comes back.
    insp.wait_for_timeout(300)
    insp.reload()
    insp.wait_for_selector("[data-testid=draft-restored]:not([hidden])")
    assert insp.input_value("[data-testid=evidence-text]") == "围挡已补齐，计划已报批"
    assert insp.locator("[data-testid=thumb]").count() == 1
    insp.click("[data-testid=evidence-submit]")
    insp.wait_for_selector("[data-testid=rect-page][data-status=submitted]")
    insp.wait_for_selector("[data-testid=after-photo]", timeout=60_000)
    insp.screenshot(path=str(artifacts / "loop-2-evidence.png"), full_page=True)

    lead.goto(rect_url)
    lead.wait_for_selector("[data-testid=rect-reject]")
    lead.click("[data-testid=rect-reject]")
    lead.fill("[data-testid=action-reason]", "缺少报批文件照片")
    lead.click("[data-testid=action-ok]")
    lead.wait_for_selector("[data-testid=rect-page][data-status=open]")

    insp.goto(rect_url)
    insp.click("[data-testid=rect-submit-open]")
    insp.fill("[data-testid=evidence-text]", "补交报批文件")
    insp.set_input_files("[data-testid=photo-input]", files=[
        {"name": "doc.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(52, size=(1600, 1200))}])
    insp.wait_for_selector("[data-testid=thumb]")
    insp.click("[data-testid=evidence-submit]")
    insp.wait_for_selector("[data-testid=rect-page][data-status=submitted]")

    lead.goto(rect_url)
    lead.wait_for_selector("[data-testid=compare]")
    lead.screenshot(path=str(artifacts / "loop-3-review.png"), full_page=True)
    lead.click("[data-testid=rect-approve]")
    lead.click("[data-testid=action-ok]")
    lead.wait_for_selector("[data-testid=rect-page][data-status=approved]")
    assert warning_for(app, "stage_overdue", f"project:{project_id}")["resolved_reason"] == "rectified"
    lead.goto(f"{live_server}/risks/{warning_id}")
    lead.wait_for_selector("[data-testid=risk-status]")
    lead.screenshot(path=str(artifacts / "loop-4-cleared.png"), full_page=True)

    county = _phone(pages, live_server, "t_county")
    county.goto(f"{live_server}/rectifications?tab=overdue")
    county.wait_for_selector(f"[data-testid=rect-row][data-rect-id='{overdue_id}'][data-overdue=true]")
    county.screenshot(path=str(artifacts / "loop-5-county-overdue.png"), full_page=True)
    county.goto(rect_url)
    county.click("[data-testid=rect-reopen]")
    county.fill("[data-testid=action-reason]", "复查发现围挡再次缺失")
    county.click("[data-testid=action-ok]")
    county.wait_for_selector("[data-testid=rect-page][data-status=open]")
    # open, submit, reject, submit, approve, reopen
    assert county.locator("[data-testid=history-item]").count() == 6
    county.screenshot(path=str(artifacts / "loop-6-reopened.png"), full_page=True)
