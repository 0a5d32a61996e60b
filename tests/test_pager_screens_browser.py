"""The screens that had pagers of their own page with the shared one, in a real Chromium against a
real gunicorn at a 1366 px desk: 下一页 asks the server for the page after the last row shown
(``after=``), the page's number and the list's count ride along, 上一页 goes back by key (the page's
``prev``) and to the first page by number, showing the same rows as on the way forward. Screenshots are kept in test-artifacts/."""
import uuid
from datetime import timedelta
from decimal import Decimal

from backend.core.models import User
from backend.extensions import db
from backend.funds.models import Fund
from conftest import TODAY, sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
PAGE_SAYS = "t => document.querySelector('[data-testid=pager-page]')?.textContent === t"


def walk_forward_and_back(page, asked, rows, pages, total_text, last_count):
    """Page 1 → 2 → … → last by 下一页 (after=), then back to 1 by 上一页 (after= the page's prev,
    and the first page by number): the rows of each, the same both ways."""
    page.wait_for_selector("[data-testid=pager-page]")
    assert page.inner_text("[data-testid=pager-page]") == f"第 1 / {pages} 页"
    seen = [rows(page)]
    for n in range(2, pages + 1):
        page.click("[data-testid=pager] [rel=next]")
        page.wait_for_function(PAGE_SAYS, arg=f"第 {n} / {pages} 页")
        assert "after=" in page.url and f"page={n}" in page.url
        assert "after=" in asked[-1]
        assert total_text in page.content()  # the count the first page gave, on a page by key
        seen.append(rows(page))
    assert len(seen[-1]) == last_count and page.locator("[data-testid=pager] [rel=next]").count() == 0
    for n in range(pages - 1, 0, -1):
        page.click("[data-testid=pager] [rel=prev]")
        page.wait_for_function(PAGE_SAYS, arg=f"第 {n} / {pages} 页")
        by_key = n > 1
        assert ("after=" in page.url) == by_key and ("after=" in asked[-1]) == by_key
        assert rows(page) == seen[n - 1]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    return seen


def test_the_funds_page_forward_and_back_by_key(app, world, live_server, browser, artifacts):
    tag = f"键页资金{uuid.uuid4().hex[:5]}"
    days = [TODAY - timedelta(days=i % 4) for i in range(45)]  # ties on the issue day: id decides
    with app.app_context():
        db.session.add_all(Fund(region_id=world["regions"]["jincheng"], doc_no=f"{tag}〔2026〕{i}号", name=f"{tag}{i:02d}",
                                category="own", source_level="county", amount=Decimal("1000.00"), issued_on=day)
                           for i, day in enumerate(days))
        db.session.commit()
    context = browser.new_context(**DESK)
    page = context.new_page()
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/funds?" in r.url else None)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/funds?q={tag}")
    names = lambda p: p.locator("[data-testid=fund-list] .pitem-name").all_inner_texts()  # noqa: E731
    seen = walk_forward_and_back(page, asked, names, 3, "共 45 笔资金指标", 5)
    assert [len(s) for s in seen] == [20, 20, 5]
    order = sorted(range(45), key=lambda i: (days[i], i), reverse=True)  # newest issue first, then newest id
    assert sum(seen, []) == [f"{tag}{i:02d}" for i in order]
    page.screenshot(path=str(artifacts / "pager-funds-back-1366.png"), full_page=True)
    context.close()


def test_the_users_page_forward_and_back_by_key(app, world, live_server, browser, artifacts):
    tag = f"kp{uuid.uuid4().hex[:5]}"
    with app.app_context():
        db.session.add_all(User(username=f"{tag}{i:03d}", display_name=f"键页用户{i:03d}", role="inspector",
                                password_hash="x", region_id=world["regions"]["jincheng"]) for i in range(105))
        db.session.commit()
    context = browser.new_context(**DESK)
    page = context.new_page()
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/users?" in r.url else None)
    sign_in(page, live_server, "t_county")
    page.goto(f"{live_server}/users?q={tag}&status=all")
    names = lambda p: p.eval_on_selector_all("[data-testid=user]", "els => els.map(e => e.dataset.username)")  # noqa: E731
    seen = walk_forward_and_back(page, asked, names, 3, "共 105 个账号", 5)
    assert [len(s) for s in seen] == [50, 50, 5]
    assert sum(seen, []) == [f"{tag}{i:03d}" for i in range(105)]  # in the order made (by id)
    page.screenshot(path=str(artifacts / "pager-users-back-1366.png"), full_page=True)
    context.close()
