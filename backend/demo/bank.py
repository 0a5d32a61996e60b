"""The demo's bank cycle (一键直连) in 锦城街道, through the app's own services and the simulated bank
(tools/banksim.py, loaded from its file: it stays outside the app): November's 城乡居民基础养老金 is
posted on the villages' notice, built into a batch by the clerk (陈静), approved by the lead (李华),
written as the rural bank's text file; the bank pays all but two — 王建国 (the README's villager,
户名不符 BE01) and one closed account (已销户 AC04). The clerk records both fixes on the failures
screen's service (a note; a new card), re-issues them into a follow-up batch, the lead approves it,
it goes out as ISO 20022 and the bank pays both. The three-way check of the period is then clean.
"""
import importlib.util
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from ..bank import reconcile, services
from ..bank.models import BatchPayment, PaymentBatch
from ..core import clock
from ..extensions import db
from ..subsidies.models import SubsidyPolicy

BANKSIM = Path(__file__).resolve().parents[2] / "tools" / "banksim.py"
POLICY, PERIOD, STANDARD = "城乡居民基础养老金", "2026-11", 230
NEW_CARD = "6217009876543210457"  # the closed account's holder brings this card to the village
BE01_NOTE = "经核对，银行开户名为本人曾用名，已陪同本人到农商银行更正为身份证姓名"
AC04_NOTE = "原银行卡已销户，本人到村里登记了新的社保卡"


def _banksim():
    spec = importlib.util.spec_from_file_location("banksim", BANKSIM)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def notice_rows(people):
    """November's pension notice: everyone the pension was paid to, but the planted cases (the dead
    people[3], the public employee people[6], the shared card people[9]) — so each posted line is paid."""
    published = (clock.today() - timedelta(days=14)).isoformat()  # ten working days and more: long enough
    return ["姓名,身份证号,补贴项目,期间,数量,金额,公示日期"] + [
        f"{p['name']},{p['id']},{POLICY},{PERIOD},1,{STANDARD},{published}"
        for n, p in enumerate(people) if n % 3 == 0 and n not in (3, 6, 9)]


def load(users, failing):
    """Run the cycle; ``failing`` is the two people who fail, (BE01, AC04), as beneficiary ids.
    Returns the first batch and the follow-up batch."""
    clerk, lead = users["jincheng_clerk"], users["jincheng_lead"]
    bank = _banksim()
    policy = db.session.execute(select(SubsidyPolicy).where(SubsidyPolicy.name == POLICY)).scalar_one()

    batch = services.build_batch(clerk, policy.id, PERIOD)
    services.submit(batch, clerk)
    services.approve(batch, lead)
    data, _ = services.export(batch, clerk, "rcb_text")
    seq = dict(db.session.execute(select(BatchPayment.beneficiary_id, BatchPayment.seq).where(
        BatchPayment.batch_id == batch.id)).all())
    name_wrong, closed = failing
    returns = bank.simulate(data, fail={seq[name_wrong]: "BE01", seq[closed]: "AC04"})
    for filename, content in sorted(returns.items()):  # the failure file and the success file
        services.import_return(content, clerk, filename, batch)

    failed = {p.beneficiary_id: p for p in db.session.execute(select(BatchPayment).where(
        BatchPayment.batch_id == batch.id, BatchPayment.status == "failed")).scalars()}
    services.fix(failed[name_wrong].id, clerk, note=BE01_NOTE)
    services.fix(failed[closed].id, clerk, bank_card=NEW_CARD, note=AC04_NOTE)
    lines = [services.reissue(failed[ben_id].id, clerk)[0] for ben_id in failing]
    follow = db.session.get(PaymentBatch, lines[0].batch_id)
    services.submit(follow, clerk)
    services.approve(follow, lead)
    data, _ = services.export(follow, clerk, "iso20022")
    for filename, content in sorted(bank.simulate(data).items()):
        services.import_return(content, clerk, filename, follow)
    assert reconcile.reconcile(follow)["clean"], "the demo's bank cycle should reconcile clean"
    return batch, follow
