"""Vocabulary shared by needs and startups: sectors and funding stages."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from marketplace.core.validation import clean_text, rule_error


class Sector(StrEnum):
    EDUCATION = "education"
    HEALTHCARE = "healthcare"
    IOT_LOGISTICS = "iot_logistics"
    PRIVACY_BLOCKCHAIN = "privacy_blockchain"
    SME_FINANCE = "sme_finance"
    ENTERPRISE_SOFTWARE = "enterprise_software"

    @property
    def label(self):
        return {
            Sector.EDUCATION: _l("Education"),
            Sector.HEALTHCARE: _l("Healthcare"),
            Sector.IOT_LOGISTICS: _l("IoT and logistics"),
            Sector.PRIVACY_BLOCKCHAIN: _l("Privacy computing and blockchain"),
            Sector.SME_FINANCE: _l("SME finance"),
            Sector.ENTERPRISE_SOFTWARE: _l("Enterprise software"),
        }[self]


class StartupStage(StrEnum):
    PRE_SEED = "pre_seed"
    SEED = "seed"
    SERIES_A = "series_a"
    SERIES_B = "series_b"
    SERIES_C_PLUS = "series_c_plus"

    @property
    def label(self):
        return {
            StartupStage.PRE_SEED: _l("Pre-seed"),
            StartupStage.SEED: _l("Seed"),
            StartupStage.SERIES_A: _l("Series A"),
            StartupStage.SERIES_B: _l("Series B"),
            StartupStage.SERIES_C_PLUS: _l("Series C and later"),
        }[self]


def clean_tags(value, *, lower: bool = False) -> list[str]:
    """A list of distinct, trimmed tags from a list or a comma/semicolon/newline separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        for sep in ("，", "；", ";", "\n"):
            value = value.replace(sep, ",")
        value = value.split(",")
    if not isinstance(value, list | tuple):
        return value  # not a list: the schema's type check rejects it with a clear message
    if not all(isinstance(item, str) for item in value):
        return value
    tags: list[str] = []
    for item in value:
        tag = clean_text(item)
        if lower:
            tag = tag.lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def clean_sectors(value) -> list[str]:
    """Sector values from a list or string; raises a pydantic rule error for unknown ones."""
    tags = clean_tags(value, lower=True)
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return tags
    known = {s.value for s in Sector}
    unknown = [t for t in tags if t not in known]
    if unknown:
        raise rule_error("unknown_sector", names=", ".join(unknown))
    return tags
