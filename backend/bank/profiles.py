"""Bank profiles as data: how a batch is written for a bank and how its return files read.

Another bank's layout is a new entry here, not new code: ``format`` picks one of the two writers
(ISO 20022 XML or a delimited text file), and the rest — encoding, separator, the header's and the
lines' fields in order, the words the bank uses for a status and its reason codes — is data.

``REASONS`` are our stable failure reasons (ISO 20022 external status reason codes), each with the
words a clerk and a villager read, where the failure goes to be fixed (``route``: the department
that owns the policy's register for card and name problems, the township for closed or frozen
accounts) and what the villager should do.
"""

REASONS = {
    "BE01": {"zh": "户名不符", "en": "Name does not match the account",
             "route": "department",
             "advice_zh": "银行卡户名与登记姓名不一致：请到村里核对姓名和银行卡",
             "advice_en": "The name on the card differs from the register: check your name and card at the village"},
    "AC01": {"zh": "账号错误", "en": "Wrong account number",
             "route": "department",
             "advice_zh": "银行卡号有误：请到村里核对银行卡号",
             "advice_en": "The card number is wrong: check your card number at the village"},
    "AC04": {"zh": "已销户", "en": "Account closed",
             "route": "township",
             "advice_zh": "银行卡已销户：请到村里更新银行卡",
             "advice_en": "The bank card is closed: bring a new card to the village"},
    "AC06": {"zh": "账户冻结", "en": "Account frozen",
             "route": "township",
             "advice_zh": "银行卡被冻结：请到开户银行解冻，或到村里更换银行卡",
             "advice_en": "The card is frozen: have the bank unfreeze it, or bring another card to the village"},
    "AM05": {"zh": "重复支付", "en": "Duplicate payment",
             "route": "township",
             "advice_zh": "银行认为是重复支付：乡镇财政所正在核实",
             "advice_en": "The bank saw a duplicate: the township finance office is checking"},
    "MD07": {"zh": "账户所有人已死亡", "en": "Account holder deceased",
             "route": "department",
             "advice_zh": "银行登记为已故：请家属到村里说明情况",
             "advice_en": "The bank has the holder as deceased: the family should tell the village"},
    "NARR": {"zh": "其他原因", "en": "Other reason",
             "route": "township",
             "advice_zh": "银行未能入账：请联系乡镇财政所",
             "advice_en": "The bank could not pay: contact the township finance office"},
}
ROUTE_NAMES = {"department": ("主管部门", "The policy's department"), "township": ("乡镇财政所", "The township")}

# How a line's state reads to a villager.
PLAIN = {
    "paid": ("已打到您的银行卡", "Paid to your bank card"),
    "sent": ("银行正在处理", "The bank is processing it"),
    "pending": ("待发放", "Not yet sent to the bank"),
    "unknown": ("银行结果待查询，不会重复发放", "The bank's result is being queried; it will not be paid twice"),
}

PROFILES = {
    "iso20022": {
        "name_zh": "ISO 20022 标准报文（pain.001 / pain.002）", "name_en": "ISO 20022 (pain.001 / pain.002)",
        "format": "xml", "encoding": "utf-8", "extension": "xml",
        "request": "pain.001.001.09", "status_report": "pain.002.001.10",
        "currency": "CNY", "id_scheme": "NIDN",
        "debtor": {"name": "乡镇财政所惠民惠农补贴专户", "account": "33010000000000000001", "agent": "RCB-LINAN"},
        # TxSts → our state; StsRsnInf/Rsn/Cd → our reason (ISO codes are ours).
        "statuses": {"ACSC": "paid", "ACCC": "paid", "ACSP": "unknown", "ACCP": "unknown", "PDNG": "unknown",
                     "RCVD": "unknown", "RJCT": "failed"},
        "reasons": {code: code for code in REASONS},
    },
    "rcb_text": {
        # GB18030: GBK's bytes for every GBK character, and a rare one in a name (𠮷, 䶮) written whole
        # — GBK has no code for it, and a '?' in its place would fail at the bank as 户名不符.
        "name_zh": "农商银行代发文本文件（|分隔，GB18030/GBK）",
        "name_en": "Rural commercial bank text file (|-delimited, GB18030/GBK)",
        "format": "text", "encoding": "gb18030", "separator": "|", "extension": "txt",
        "header": ["date", "unit", "batch_no", "count", "total"],
        "line": ["seq", "name", "amount", "account", "id_type", "id_number", "memo"],
        "return_header": ["date", "unit", "batch_no", "count", "total"],
        "return_line": ["seq", "name", "amount", "account", "status", "bank_code", "bank_words"],
        "date_format": "%Y%m%d", "id_type": "01",  # 01: 居民身份证
        "statuses": {"成功": "paid", "失败": "failed", "处理中": "unknown", "未知": "unknown"},
        "reasons": {"E101": "BE01", "E102": "AC01", "E103": "AC04", "E104": "AC06", "E105": "AM05",
                    "E106": "MD07", "E199": "NARR"},
        "reason_words": {"E101": "户名不符", "E102": "账号错误", "E103": "账户已销户", "E104": "账户冻结",
                         "E105": "重复交易", "E106": "户主已死亡", "E199": "其他"},
    },
}
