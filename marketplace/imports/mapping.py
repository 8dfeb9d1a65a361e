"""Which column means which profile field: English and Chinese headers, and cell normalisation."""

from __future__ import annotations

import io
import re

from flask_babel import lazy_gettext as _l

from marketplace.core.taxonomy import Sector, StartupStage

# Field → header spellings seen in incubators' CRM exports (compared after normalise_header).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "externalid", "crmid", "ref", "reference", "编号", "项目编号", "企业编号", "序号id"),
    "name": (
        "name",
        "company",
        "companyname",
        "startup",
        "startupname",
        "公司名称",
        "企业名称",
        "公司",
        "名称",
        "项目名称",
    ),
    "website": ("website", "url", "web", "homepage", "site", "官网", "网址", "公司官网", "网站"),
    "description": (
        "description",
        "about",
        "summary",
        "introduction",
        "overview",
        "简介",
        "公司简介",
        "项目简介",
        "介绍",
        "描述",
        "企业简介",
    ),
    "founded_year": (
        "founded",
        "foundedyear",
        "yearfounded",
        "established",
        "founding",
        "成立时间",
        "成立年份",
        "创立时间",
        "成立日期",
    ),
    "stage": ("stage", "fundingstage", "round", "fundinground", "融资轮次", "轮次", "融资阶段", "阶段"),
    "city": ("city", "location", "城市", "所在城市", "所在地"),
    "country": ("country", "countryregion", "国家", "国家地区", "地区"),
    "team_size": ("teamsize", "employees", "headcount", "staff", "团队规模", "员工人数", "人数", "员工数"),
    "funding_raised_usd": ("fundingusd", "fundingraisedusd", "totalfundingusd", "fundingraised", "融资金额美元"),
    "products": ("products", "product", "产品", "主要产品", "核心产品"),
    "tags": ("tags", "keywords", "technologies", "technology", "标签", "关键词", "技术标签", "技术"),
    "sectors": ("sectors", "sector", "industry", "industries", "行业", "所属行业", "领域", "赛道"),
    "customers": ("customers", "clients", "cases", "customercases", "客户", "典型客户", "客户案例", "案例"),
    "contact_name": ("contact", "contactname", "contactperson", "联系人", "联系人姓名"),
    "contact_email": ("email", "contactemail", "mail", "邮箱", "联系邮箱", "电子邮件", "电子邮箱"),
}
FIELDS = tuple(FIELD_ALIASES)

FIELD_LABELS = {
    "external_id": _l("Your reference (CRM id)"),
    "name": _l("Name"),
    "website": _l("Website"),
    "description": _l("Description"),
    "founded_year": _l("Founded (year)"),
    "stage": _l("Stage"),
    "city": _l("City"),
    "country": _l("Country"),
    "team_size": _l("Team size"),
    "funding_raised_usd": _l("Funding raised (USD)"),
    "products": _l("Products"),
    "tags": _l("Tags"),
    "sectors": _l("Sectors"),
    "customers": _l("Customers and cases"),
    "contact_name": _l("Contact name"),
    "contact_email": _l("Contact email"),
}


def normalise_header(header: str) -> str:
    return re.sub(r"[\s_\-/()（）:：.]+", "", header.strip().lower())


_LOOKUP = {alias: field for field, aliases in FIELD_ALIASES.items() for alias in aliases}


def auto_map(headers: list[str]) -> dict[str, str]:
    """Header → field for the headers we recognise; each field taken by its first column."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        field = _LOOKUP.get(normalise_header(header))
        if field and field not in taken:
            mapping[header] = field
            taken.add(field)
    return mapping


_STAGES = [
    (r"pre[\s-]?seed|天使|种子前", StartupStage.PRE_SEED),
    (r"seed|种子", StartupStage.SEED),
    (r"series\s*a|pre[\s-]?a|^a$|a\+?轮", StartupStage.SERIES_A),
    (r"series\s*b|^b$|b\+?轮", StartupStage.SERIES_B),
    (r"series\s*[c-h]|^[c-h]$|[c-h]\+?轮|pre[\s-]?ipo|ipo|上市|growth", StartupStage.SERIES_C_PLUS),
]

_SECTOR_WORDS = [
    (r"educat|edtech|school|campus|教育|学校", Sector.EDUCATION),
    (r"health|medic|hospital|医疗|医院|健康|医保", Sector.HEALTHCARE),
    (r"iot|internet of things|logistic|supply chain|物联网|物流|供应链", Sector.IOT_LOGISTICS),
    (r"privacy|blockchain|crypto|mpc|隐私|区块链|密码", Sector.PRIVACY_BLOCKCHAIN),
    (r"sme|fintech|financ|lending|payment|金融|支付|信贷|小微", Sector.SME_FINANCE),
    (r"enterprise|saas|software|b2b|企业服务|软件", Sector.ENTERPRISE_SOFTWARE),
]


def stage_value(text: str) -> str | None:
    value = text.strip().lower()
    if not value:
        return None
    if value in {s.value for s in StartupStage}:
        return value
    for pattern, stage in _STAGES:
        if re.search(pattern, value):
            return stage.value
    return value  # left as typed: the schema rejects it with a clear message


def founded_value(text: str) -> str | None:
    match = re.search(r"(19|20)\d\d", text)
    return match.group(0) if match else (text.strip() or None)


def split_sectors(text: str) -> tuple[list[str], list[str]]:
    """Sector values recognised in free text, and the words we could not place (kept as tags)."""
    sectors: list[str] = []
    leftovers: list[str] = []
    for part in re.split(r"[,;，；、/|]+", text):
        part = part.strip()
        if not part:
            continue
        if part.lower() in {s.value for s in Sector}:
            found = [Sector(part.lower())]
        else:
            found = [sector for pattern, sector in _SECTOR_WORDS if re.search(pattern, part.lower())]
        if found:
            sectors.extend(s.value for s in found if s.value not in sectors)
        else:
            leftovers.append(part)
    return sectors, leftovers


def number_value(text: str) -> str | None:
    cleaned = re.sub(r"[,\s，]", "", text)
    return cleaned or None


def row_to_fields(row: dict[str, str], mapping: dict[str, str]) -> tuple[dict, str | None]:
    """Profile fields from one row (only mapped columns), and the row's external id."""
    data: dict = {}
    external_id = None
    for header, field in mapping.items():
        text = (row.get(header) or "").strip()
        if field == "external_id":
            external_id = text or None
        elif field == "stage":
            data[field] = stage_value(text)
        elif field == "founded_year":
            data[field] = founded_value(text)
        elif field in ("team_size", "funding_raised_usd"):
            data[field] = number_value(text)
        elif field == "sectors":
            sectors, leftovers = split_sectors(text)
            data["sectors"] = sectors
            if leftovers:
                data["_extra_tags"] = leftovers
        else:
            data[field] = text
    extra = data.pop("_extra_tags", [])
    if extra:
        tags = data.get("tags", "")
        data["tags"] = ", ".join([t for t in [tags, *extra] if t])
    return {k: v for k, v in data.items() if v is not None}, external_id


# Headers of the downloadable template, per interface language (each one auto-maps).
TEMPLATE_HEADERS = {
    "en": [
        "CRM ID",
        "Company name",
        "Website",
        "Description",
        "Founded",
        "Stage",
        "City",
        "Country",
        "Team size",
        "Products",
        "Tags",
        "Sector",
        "Customers",
        "Contact name",
        "Contact email",
    ],
    "zh": [
        "企业编号",
        "公司名称",
        "官网",
        "简介",
        "成立时间",
        "融资轮次",
        "城市",
        "国家",
        "团队规模",
        "产品",
        "标签",
        "行业",
        "客户案例",
        "联系人",
        "联系邮箱",
    ],
}
TEMPLATE_EXAMPLE = [
    "ZJ-2026-0001",
    "Example Robotics",
    "https://robotics.example",
    "Vision-guided robots that count and check pledged goods in bonded warehouses.",
    "2021",
    "A轮 / Series A",
    "Shanghai",
    "China",
    "35",
    "StockEye counting robot",
    "computer vision, warehouse receipts",
    "物联网 / IoT",
    "3 bonded warehouses",
    "Li Lei",
    "lilei@robotics.example",
]


def template_xlsx(language: str) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 (openpyxl: ~0.3 s, for workbooks only)

    book = Workbook()
    sheet = book.active
    sheet.title = "startups"
    sheet.append(TEMPLATE_HEADERS["zh" if language.startswith("zh") else "en"])
    sheet.append(TEMPLATE_EXAMPLE)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
