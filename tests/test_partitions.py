"""Payments partitioned by year (PostgreSQL; SQLite keeps one table): importing the first payment of a
year no partition exists for yet makes that year's partition and puts the row in it; a row that
landed in the default partition moves into its year's partition when that is made; the hourly job
makes this year's and next year's; a payment of a partitioned year is still read by its id.

Everyone here is born on 9 September 1985 and every policy name starts with 分区测试."""
from datetime import date

import pytest
from sqlalchemy import select, text

from backend.core import partitions, pii
from backend.core.models import Region, User
from backend.extensions import db
from backend.imports import engine
from backend.subsidies.models import Beneficiary, Disbursement, SubsidyPolicy

YEAR = 2031  # no other test pays anything in it


def ident(seq):
    first = f"33011219850909{seq:03d}"
    return first + pii.id_check_char(first)


def load(app, world, kind, header, *lines):
    with app.app_context(), app.test_request_context(method="POST"):
        run = engine.run(kind, db.session.get(Region, world["regions"]["jincheng"]),
                         db.session.get(User, world["users"]["lead"]), f"{kind}.csv", "\n".join([header, *lines]).encode())
        assert run.status == "accepted", run.errors
        db.session.commit()


def postgres():
    return db.engine.dialect.name == "postgresql"


def where(payment_id):
    """The table (partition) a payment's row is stored in."""
    return db.session.execute(text("SELECT tableoid::regclass::text FROM disbursements WHERE id = :id"),
                              {"id": payment_id}).scalar_one()


def test_a_new_years_payment_is_imported_into_its_own_partition(app, world):
    load(app, world, "policies", "政策名称,类别,补贴标准,单位,年度",
         f"分区测试耕地补贴,种粮补贴,100,元/亩,{YEAR}")
    load(app, world, "beneficiaries", "姓名,身份证号码,村", f"分区甲,{ident(1)},钱王社区")
    load(app, world, "disbursements", "姓名,身份证号,补贴项目,期间,面积,金额,状态,发放日期",
         f"分区甲,{ident(1)},分区测试耕地补贴,{YEAR}-02,2,200,已发放,{YEAR - 5}-02-10")
    with app.app_context():
        ben = db.session.execute(select(Beneficiary.id).where(
            Beneficiary.id_hash == pii.blind(ident(1), "id_number"))).scalar_one()
        payment = db.session.execute(select(Disbursement).where(Disbursement.beneficiary_id == ben)).scalar_one()
        assert (payment.period, payment.amount, payment.status) == (f"{YEAR}-02", 200, "paid")
        assert db.session.get(Disbursement, payment.id).row_key == payment.row_key  # still found by its id
        if postgres():
            assert where(payment.id) == f"disbursements_{YEAR}"
            assert partitions.ensure({YEAR}) == []  # made once
        else:
            assert partitions.ensure({YEAR}) == []  # SQLite: one table, nothing to make
    # The same file again changes nothing (row_key is unique within its period).
    load(app, world, "disbursements", "姓名,身份证号,补贴项目,期间,面积,金额,状态,发放日期",
         f"分区甲,{ident(1)},分区测试耕地补贴,{YEAR}-02,2,200,已发放,{YEAR - 5}-02-10")
    with app.app_context():
        assert db.session.execute(select(Disbursement.id).where(Disbursement.beneficiary_id == ben)).scalars().all() \
            == [payment.id]


def test_a_row_in_the_default_partition_moves_into_its_year(app, world):
    with app.app_context():
        if not postgres():
            assert partitions.ensure({2041}) == []
            pytest.skip("PostgreSQL only: SQLite keeps one table")
        region = world["regions"]["qianwang"]
        policy = SubsidyPolicy(region_id=world["regions"]["jincheng"], year=2041, name="分区测试远年补贴", category="测试",
                               standard_amount=10, unit="元/人")
        enc, blind, mask = pii.seal(ident(2), "id_number")  # (sealed like any: the key rotation walks it)
        person = Beneficiary(region_id=region, name="分区乙", id_enc=enc, id_hash=blind, id_mask=mask)
        db.session.add_all([policy, person])
        db.session.flush()
        exists = db.session.execute(text("SELECT to_regclass('disbursements_2041') IS NOT NULL")).scalar_one()
        payment = Disbursement(region_id=region, policy_id=policy.id, beneficiary_id=person.id, period="2041-H1",
                               amount=10, status="pending", row_key=f"partition-test-{ident(2)}")
        db.session.add(payment)
        db.session.commit()
        if not exists:  # (a database kept from an earlier session may have it already)
            assert where(payment.id) == "disbursements_default"
        partitions.ensure({2041})
        db.session.commit()
        assert where(payment.id) == "disbursements_2041"
        assert db.session.get(Disbursement, payment.id).period == "2041-H1"


def test_the_hourly_job_makes_this_and_next_years_partitions(app):
    from backend.core import clock
    from backend.subsidies import jobs as subsidy_jobs
    with app.app_context():
        partitions.ensure_current(clock.today())
        db.session.commit()
        if postgres():
            this = clock.today().year
            names = set(db.session.execute(text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'disbursements'::regclass")).scalars())
            assert {f"disbursements_{this}", f"disbursements_{this + 1}", "disbursements_default"} <= names
    assert subsidy_jobs.hourly(None, clock.now().replace(minute=17)) and not subsidy_jobs.hourly(None, clock.now().replace(minute=18))


def test_partition_names_and_years():
    assert partitions.is_partition("disbursements_2026") and partitions.is_partition("disbursements_default")
    assert not partitions.is_partition("disbursements") and not partitions.is_partition("risk_warnings_2026")
    assert partitions.years_of(["2026", "2026-03", "2027-Q1", "2028-H1", "", None, "xx"]) == {2026, 2027, 2028}
    assert partitions.bounds(2026) == ("2026", "2027")
    assert date(2026, 1, 1).year in partitions.years_of(["2026-01"])
