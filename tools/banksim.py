#!/usr/bin/env python3
"""A bank for tests and the demo (not part of the app; standard library only).

Reads a payment batch file — ISO 20022 pain.001.001.09 XML, or the rural commercial bank's
|-delimited GB18030 (GBK) text file — and writes the bank's return files:

  XML:  BATCH.pain002.xml (every payment: ACSC paid, RJCT with a reason, or PDNG when the result is
        not known yet) and, when some were PDNG, BATCH.pain002.final.xml with their final answer.
  text: BATCH.success.txt and BATCH.failure.txt (header: date|unit|batch|count|total, then
        seq|name|amount|account|status|bank code|bank words), and with unknown results
        BATCH.pending.txt (处理中) now and BATCH.final.txt later.

Faults for testing the importer: --duplicate (a line twice), --extra-line (a payment not in the
batch), --wrong-total (the control total off by 0.01), --fail-rate / --reasons / --fail SEQ=CODE
(failures), --unknown-rate / --unknown SEQ (unknown first, final answer in a second file).

    python tools/banksim.py PB00000012.txt --out /tmp/bank --fail 3=AC04 --fail 5=BE01
"""
import argparse
import random
import sys
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

NS001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
NS002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
# The rural bank's own reason codes and words for the ISO reasons.
TEXT_CODES = {"BE01": ("E101", "户名不符"), "AC01": ("E102", "账号错误"), "AC04": ("E103", "账户已销户"),
              "AC06": ("E104", "账户冻结"), "AM05": ("E105", "重复交易"), "MD07": ("E106", "户主已死亡"),
              "NARR": ("E199", "其他")}
ISO_WORDS = {"BE01": "Inconsistent with end customer", "AC01": "Incorrect account number",
             "AC04": "Closed account number", "AC06": "Blocked account", "AM05": "Duplication",
             "MD07": "End customer deceased", "NARR": "Narrative"}


def read_batch(data):
    """{format, batch_no, date, unit, count, total, lines: [{seq, key, name, amount, account}]}"""
    if data.lstrip().startswith(b"<"):
        root = ET.fromstring(data)
        ns = {"p": NS001}
        grp = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
        out = {"format": "xml", "batch_no": grp.findtext("p:MsgId", namespaces=ns),
               "date": grp.findtext("p:CreDtTm", namespaces=ns)[:10], "unit": grp.findtext("p:InitgPty/p:Nm", namespaces=ns),
               "count": int(grp.findtext("p:NbOfTxs", namespaces=ns)),
               "total": Decimal(grp.findtext("p:CtrlSum", namespaces=ns)), "lines": []}
        for seq, tx in enumerate(root.iterfind(".//p:CdtTrfTxInf", ns), start=1):
            out["lines"].append({"seq": seq, "key": tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns),
                                 "name": tx.findtext("p:Cdtr/p:Nm", namespaces=ns),
                                 "amount": Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=ns)),
                                 "account": tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=ns)})
        return out
    rows = [r for r in data.decode("gb18030").splitlines() if r.strip()]
    date, unit, batch_no, count, total = rows[0].split("|")
    out = {"format": "text", "batch_no": batch_no, "date": date, "unit": unit, "count": int(count),
           "total": Decimal(total), "lines": []}
    for row in rows[1:]:
        seq, name, amount, account, _id_type, _id_number, _memo = row.split("|")
        out["lines"].append({"seq": int(seq), "key": int(seq), "name": name, "amount": Decimal(amount),
                             "account": account})
    return out


def decide(batch, fail=None, fail_rate=0.0, reasons=("AC04",), unknown=None, unknown_rate=0.0, seed=0):
    """Each line's first answer and final answer: {seq: (first, final)} with answers like
    ("paid", None), ("failed", "AC04"), ("unknown", None)."""
    rng = random.Random(seed)
    fail, unknown = dict(fail or {}), set(unknown or ())
    out = {}
    for line in batch["lines"]:
        seq = line["seq"]
        final = ("failed", fail[seq]) if seq in fail else (
            ("failed", rng.choice(list(reasons))) if rng.random() < fail_rate else ("paid", None))
        first = ("unknown", None) if seq in unknown or rng.random() < unknown_rate else final
        out[seq] = (first, final)
    return out


def _text_file(batch, lines, total_delta=Decimal(0)):
    total = sum((line["amount"] for line, _ in lines), Decimal(0)) + total_delta
    out = [f"{batch['date']}|{batch['unit']}|{batch['batch_no']}|{len(lines)}|{total:.2f}"]
    for line, (status, code) in lines:
        word = {"paid": "成功", "failed": "失败", "unknown": "处理中"}[status]
        bank_code, bank_words = TEXT_CODES[code] if code else ("", "")
        out.append(f"{line['seq']}|{line['name']}|{line['amount']:.2f}|{line['account']}|{word}|{bank_code}|{bank_words}")
    return ("\r\n".join(out) + "\r\n").encode("gb18030")


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, f"{{{NS002}}}{tag}", attrs)
    if text is not None:
        el.text = str(text)
    return el


def _pain002(batch, lines, suffix, total_delta=Decimal(0)):
    ET.register_namespace("", NS002)
    doc = ET.Element(f"{{{NS002}}}Document")
    rpt = _sub(doc, "CstmrPmtStsRpt")
    grp = _sub(rpt, "GrpHdr")
    _sub(grp, "MsgId", f"RCB-{batch['batch_no']}-{suffix}")
    _sub(grp, "CreDtTm", f"{batch['date']}T18:00:00Z")
    org = _sub(rpt, "OrgnlGrpInfAndSts")
    _sub(org, "OrgnlMsgId", batch["batch_no"])
    _sub(org, "OrgnlMsgNmId", "pain.001.001.09")
    _sub(org, "OrgnlNbOfTxs", batch["count"])
    _sub(org, "OrgnlCtrlSum", f"{batch['total'] + total_delta:.2f}")
    statuses = {status for _, (status, _) in lines}
    _sub(org, "GrpSts", "PART" if len(statuses) > 1 else {"paid": "ACSC", "failed": "RJCT", "unknown": "PDNG"}[statuses.pop()]
         if statuses else "ACSC")
    pmt = _sub(rpt, "OrgnlPmtInfAndSts")
    _sub(pmt, "OrgnlPmtInfId", batch["batch_no"])
    for line, (status, code) in lines:
        tx = _sub(pmt, "TxInfAndSts")
        _sub(tx, "StsId", f"S{line['seq']:06d}")
        _sub(tx, "OrgnlEndToEndId", line["key"])
        _sub(tx, "TxSts", {"paid": "ACSC", "failed": "RJCT", "unknown": "PDNG"}[status])
        if code:
            rsn = _sub(tx, "StsRsnInf")
            _sub(_sub(rsn, "Rsn"), "Cd", code)
            _sub(rsn, "AddtlInf", ISO_WORDS[code])
        ref = _sub(tx, "OrgnlTxRef")
        _sub(_sub(ref, "Amt"), "InstdAmt", f"{line['amount']:.2f}", Ccy="CNY")
    ET.indent(doc)
    return ET.tostring(doc, encoding="utf-8", xml_declaration=True) + b"\n"


def simulate(data, fail=None, fail_rate=0.0, reasons=("AC04",), unknown=None, unknown_rate=0.0, seed=0,
             duplicate=False, extra_line=False, wrong_total=False):
    """The return files for a batch file: {filename: bytes}."""
    batch = read_batch(data)
    answers = decide(batch, fail, fail_rate, reasons, unknown, unknown_rate, seed)
    first = [(line, answers[line["seq"]][0]) for line in batch["lines"]]
    later = [(line, answers[line["seq"]][1]) for line in batch["lines"] if answers[line["seq"]][0][0] == "unknown"]
    if duplicate and first:
        first.append(first[0])
    if extra_line:
        ghost = dict(batch["lines"][-1]) if batch["lines"] else {"name": "无名", "amount": Decimal("1.00"), "account": "0"}
        ghost["seq"] = 999999
        ghost["key"] = 999999 if batch["format"] == "text" else f"{batch['batch_no']}-999999"
        first.append((ghost, ("paid", None)))
    delta = Decimal("0.01") if wrong_total else Decimal(0)
    no = batch["batch_no"]
    if batch["format"] == "xml":
        out = {f"{no}.pain002.xml": _pain002(batch, first, "1", delta)}
        if later:
            out[f"{no}.pain002.final.xml"] = _pain002(batch, later, "2")
        return out
    out = {}
    for name, status in (("success", "paid"), ("failure", "failed"), ("pending", "unknown")):
        lines = [x for x in first if x[1][0] == status]
        if lines or status != "unknown":
            out[f"{no}.{name}.txt"] = _text_file(batch, lines, delta if status == "paid" else Decimal(0))
    if later:
        out[f"{no}.final.txt"] = _text_file(batch, later)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("batch_file", type=Path)
    ap.add_argument("--out", type=Path, required=True, help="folder for the return files")
    ap.add_argument("--fail", action="append", default=[], metavar="SEQ=CODE", help="fail this line with this reason")
    ap.add_argument("--fail-rate", type=float, default=0.0)
    ap.add_argument("--reasons", default="AC04,BE01,AC01,AC06", help="reasons for random failures")
    ap.add_argument("--unknown", action="append", type=int, default=[], metavar="SEQ")
    ap.add_argument("--unknown-rate", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--duplicate", action="store_true", help="one line twice")
    ap.add_argument("--extra-line", action="store_true", help="a line for a payment not in the batch")
    ap.add_argument("--wrong-total", action="store_true", help="a control total off by 0.01")
    args = ap.parse_args(argv)
    fail = {int(k): v for k, v in (f.split("=", 1) for f in args.fail)}
    files = simulate(args.batch_file.read_bytes(), fail, args.fail_rate, args.reasons.split(","), args.unknown,
                     args.unknown_rate, args.seed, args.duplicate, args.extra_line, args.wrong_total)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
