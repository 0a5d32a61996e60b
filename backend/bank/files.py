"""Writing a batch as a bank's file and reading a bank's return file, by profile (profiles.py).

Plain functions on plain values: the services hand in the lines (already decrypted) and get bytes
back, or hand in bytes and get the parsed return, so the simulator's round trips test exactly this.
"""
import re
from decimal import Decimal
from xml.etree import ElementTree as ET

from .profiles import PROFILES

NS001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
NS002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"


class ReturnError(Exception):
    """A return file that cannot be read: ``code`` is stable, zh/en say why, ``line`` where."""

    def __init__(self, code, zh, en, line=None):
        super().__init__(en)
        self.code, self.zh, self.en, self.line = code, zh, en, line


def money(value):
    return f"{Decimal(value):.2f}"


# ---------------------------------------------------------------- writing

def write(profile_code, head, lines):
    """The bank file of a batch. ``head``: batch_no, date, created_at (ISO), unit, count, total,
    memo; ``lines``: dicts with seq, end_to_end_id, name, amount, account, id_number, memo."""
    profile = PROFILES[profile_code]
    return _write_xml(profile, head, lines) if profile["format"] == "xml" else _write_text(profile, head, lines)


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = str(text)
    return el


def _write_xml(profile, head, lines):
    ET.register_namespace("", NS001)
    doc = ET.Element(f"{{{NS001}}}Document")
    q = lambda tag: f"{{{NS001}}}{tag}"  # noqa: E731
    root = _sub(doc, q("CstmrCdtTrfInitn"))
    grp = _sub(root, q("GrpHdr"))
    _sub(grp, q("MsgId"), head["batch_no"])
    _sub(grp, q("CreDtTm"), head["created_at"])
    _sub(grp, q("NbOfTxs"), head["count"])
    _sub(grp, q("CtrlSum"), money(head["total"]))
    _sub(_sub(grp, q("InitgPty")), q("Nm"), head["unit"])
    pmt = _sub(root, q("PmtInf"))
    _sub(pmt, q("PmtInfId"), head["batch_no"])
    _sub(pmt, q("PmtMtd"), "TRF")
    _sub(pmt, q("NbOfTxs"), head["count"])
    _sub(pmt, q("CtrlSum"), money(head["total"]))
    _sub(_sub(pmt, q("ReqdExctnDt")), q("Dt"), head["date"])
    debtor = profile["debtor"]
    _sub(_sub(pmt, q("Dbtr")), q("Nm"), head["unit"])
    _sub(_sub(_sub(_sub(pmt, q("DbtrAcct")), q("Id")), q("Othr")), q("Id"), debtor["account"])
    _sub(_sub(_sub(_sub(pmt, q("DbtrAgt")), q("FinInstnId")), q("Othr")), q("Id"), debtor["agent"])
    for line in lines:
        tx = _sub(pmt, q("CdtTrfTxInf"))
        _sub(_sub(tx, q("PmtId")), q("EndToEndId"), line["end_to_end_id"])
        _sub(_sub(tx, q("Amt")), q("InstdAmt"), money(line["amount"]), Ccy=profile["currency"])
        cdtr = _sub(tx, q("Cdtr"))
        _sub(cdtr, q("Nm"), line["name"])
        othr = _sub(_sub(_sub(cdtr, q("Id")), q("PrvtId")), q("Othr"))
        _sub(othr, q("Id"), line["id_number"])
        _sub(_sub(othr, q("SchmeNm")), q("Cd"), profile["id_scheme"])
        _sub(_sub(_sub(_sub(tx, q("CdtrAcct")), q("Id")), q("Othr")), q("Id"), line["account"])
        _sub(_sub(tx, q("RmtInf")), q("Ustrd"), line["memo"])
    ET.indent(doc)
    return ET.tostring(doc, encoding="utf-8", xml_declaration=True) + b"\n"


def _clean(text):
    return str(text).replace("|", "/").replace("\r", " ").replace("\n", " ")


def _write_text(profile, head, lines):
    sep = profile["separator"]
    values = {"date": head["date"].replace("-", ""), "unit": head["unit"], "batch_no": head["batch_no"],
              "count": head["count"], "total": money(head["total"])}
    out = [sep.join(_clean(values[f]) for f in profile["header"])]
    for line in lines:
        values = {"seq": line["seq"], "name": line["name"], "amount": money(line["amount"]),
                  "account": line["account"], "id_type": profile["id_type"], "id_number": line["id_number"],
                  "memo": line["memo"]}
        out.append(sep.join(_clean(values[f]) for f in profile["line"]))
    return ("\r\n".join(out) + "\r\n").encode(profile["encoding"], errors="replace")


# ---------------------------------------------------------------- reading

def read_return(data):
    """A return file in any profile: {profile, batch_no, count, total, lines: [{key, status,
    reason, bank_code, bank_words, amount, account (when the bank echoes it), line}]}. ``key`` is the EndToEndId (XML) or the sequence
    number (text). Raises ReturnError for a file that is not one."""
    head = data.lstrip()[:200]
    if head.startswith(b"<"):
        return _read_pain002(data)
    return _read_text("rcb_text", data)


AMOUNT_RE = re.compile(r"[0-9]{1,15}(\.[0-9]{1,5})?")  # as banks write them: no sign, exponent, _ or full-width
NUMBER_RE = re.compile(r"[0-9]{1,9}")
CODE_MAX = 16  # BatchPayment.bank_code


def _decimal(text, line, what, what_en):
    text = str(text).strip()
    if not AMOUNT_RE.fullmatch(text):
        raise ReturnError("return_malformed", f"第 {line} 行的{what}不是金额", f"Line {line}: the {what_en} is not an amount",
                          line)
    return Decimal(text)


def _number(text, line, what, what_en):
    if not NUMBER_RE.fullmatch(text):
        raise ReturnError("return_malformed", f"第 {line} 行的{what}不是数字", f"Line {line}: the {what_en} is not a number",
                          line)
    return int(text)


def _code(text, line):
    if len(text) > CODE_MAX:
        raise ReturnError("return_malformed", f"第 {line} 行的银行代码过长", f"Line {line}: the bank's code is too long",
                          line)
    return text or None


def _read_pain002(data):
    profile = PROFILES["iso20022"]
    if b"\x00" in data:  # UTF-16 (no XML has a NUL): would spell '<!DOCTYPE' past the check below
        raise ReturnError("return_encoding", "XML 文件须为 UTF-8 编码", "The XML must be UTF-8")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():  # no entity expansion, ever
        raise ReturnError("return_malformed", "XML 文件不能带 DOCTYPE 或实体定义", "The XML must not carry a DOCTYPE or entities")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise ReturnError("return_malformed", f"XML 文件无法读取（{e}）", f"The XML cannot be read ({e})")
    ns = {"p": NS002}
    report = root.find("p:CstmrPmtStsRpt", ns)
    if report is None:
        raise ReturnError("return_not_status_report", "这不是 pain.002 支付状态报告",
                          "This is not a pain.002 payment status report")
    grp = report.find("p:OrgnlGrpInfAndSts", ns)
    if grp is None:
        raise ReturnError("return_malformed", "缺少 OrgnlGrpInfAndSts", "OrgnlGrpInfAndSts is missing")
    text = lambda el, path: (el.findtext(path, namespaces=ns) or "").strip()  # noqa: E731
    out = {"profile": "iso20022", "batch_no": text(grp, "p:OrgnlMsgId"), "lines": []}
    count, total = text(grp, "p:OrgnlNbOfTxs"), text(grp, "p:OrgnlCtrlSum")
    out["count"] = _number(count, 0, "笔数", "count") if count else None
    out["total"] = _decimal(total, 0, "控制总额", "control sum") if total else None
    n = 0
    for info in report.findall("p:OrgnlPmtInfAndSts", ns):
        for tx in info.findall("p:TxInfAndSts", ns):
            n += 1
            status_word = text(tx, "p:TxSts")
            status = profile["statuses"].get(status_word)
            if status is None:
                raise ReturnError("return_status_unknown", f"第 {n} 笔的状态“{status_word[:10]}”无法识别",
                                  f"Transaction {n}: unknown status '{status_word[:10]}'", n)
            code = text(tx, "p:StsRsnInf/p:Rsn/p:Cd")
            amount = text(tx, "p:OrgnlTxRef/p:Amt/p:InstdAmt")
            out["lines"].append({
                "key": text(tx, "p:OrgnlEndToEndId"), "status": status, "bank_code": _code(code, n),
                "reason": (profile["reasons"].get(code, "NARR") if status == "failed" else None),
                "bank_words": " ".join(t.strip() for t in (e.text or "" for e in tx.findall("p:StsRsnInf/p:AddtlInf", ns)) if t.strip()) or None,
                "amount": _decimal(amount, n, "金额", "amount") if amount else None,
                "account": text(tx, "p:OrgnlTxRef/p:CdtrAcct/p:Id/p:Othr/p:Id") or None, "line": n})
    return out


def _read_text(code, data):
    profile = PROFILES[code]
    try:
        text = data.decode(profile["encoding"])
    except UnicodeDecodeError:
        raise ReturnError("return_encoding", f"文件不是 {profile['encoding'].upper()} 编码的文本",
                          f"The file is not {profile['encoding'].upper()} text")
    if "\x00" in text:  # (PostgreSQL keeps no NUL in text)
        n = text.count("\n", 0, text.index("\x00")) + 1
        raise ReturnError("return_malformed", f"第 {n} 行含有空字符（NUL）", f"Line {n} contains a NUL character", n)
    rows = [r for r in text.splitlines() if r.strip()]
    if not rows:
        raise ReturnError("return_empty", "文件是空的", "The file is empty")
    sep = profile["separator"]
    header = rows[0].split(sep)
    if len(header) != len(profile["return_header"]):
        raise ReturnError("return_malformed", "第 1 行（表头）的栏数不对", "Line 1 (the header) has the wrong number of fields", 1)
    head = dict(zip(profile["return_header"], (h.strip() for h in header)))
    if not NUMBER_RE.fullmatch(head["count"]):
        raise ReturnError("return_malformed", "表头的笔数不是数字", "The header's count is not a number", 1)
    out = {"profile": code, "batch_no": head["batch_no"], "count": int(head["count"]),
           "total": _decimal(head["total"], 1, "总金额", "total"), "lines": [], "file_totals": True}
    for n, row in enumerate(rows[1:], start=2):
        fields = row.split(sep)
        if len(fields) != len(profile["return_line"]):
            raise ReturnError("return_malformed", f"第 {n} 行的栏数不对", f"Line {n} has the wrong number of fields", n)
        f = dict(zip(profile["return_line"], (x.strip() for x in fields)))
        status = profile["statuses"].get(f["status"])
        if status is None:
            raise ReturnError("return_status_unknown", f"第 {n} 行的状态“{f['status'][:10]}”无法识别",
                              f"Line {n}: unknown status '{f['status'][:10]}'", n)
        out["lines"].append({"key": _number(f["seq"], n, "序号", "sequence"), "status": status,
                             "bank_code": _code(f["bank_code"], n),
                             "reason": profile["reasons"].get(f["bank_code"], "NARR") if status == "failed" else None,
                             "bank_words": f["bank_words"] or None, "amount": _decimal(f["amount"], n, "金额", "amount"),
                             "account": f["account"] or None, "line": n})
    return out
