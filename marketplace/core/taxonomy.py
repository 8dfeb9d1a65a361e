"""Vocabulary shared by needs and startups: sectors and funding stages, and the input rules both profiles share."""

from flask_babel import lazy_gettext as _l
from pydantic import ValidationInfo, field_validator

from marketplace.core.enums import LabelledEnum
from marketplace.core.validation import check_email, clean_text, rule_error


class Sector(LabelledEnum):
    EDUCATION = "education", _l("Education")
    HEALTHCARE = "healthcare", _l("Healthcare")
    IOT_LOGISTICS = "iot_logistics", _l("IoT and logistics")
    PRIVACY_BLOCKCHAIN = "privacy_blockchain", _l("Privacy computing and blockchain")
    SME_FINANCE = "sme_finance", _l("SME finance")
    ENTERPRISE_SOFTWARE = "enterprise_software", _l("Enterprise software")


class StartupStage(LabelledEnum):
    PRE_SEED = "pre_seed", _l("Pre-seed")
    SEED = "seed", _l("Seed")
    SERIES_A = "series_a", _l("Series A")
    SERIES_B = "series_b", _l("Series B")
    SERIES_C_PLUS = "series_c_plus", _l("Series C and later")


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


def _lower_tags(value) -> list[str]:
    return clean_tags(value, lower=True)


# How each field of a need or a startup profile is cleaned before its type and length are checked.
_PROFILE_TEXT = ("title", "summary", "name", "city", "country", "description", "products", "customers")
_PROFILE_CLEANERS = {
    **dict.fromkeys((*_PROFILE_TEXT, "contact_name", "confidentiality_terms"), clean_text),
    "scenarios": clean_tags,
    "technology_tags": clean_tags,
    "tags": _lower_tags,
    "sector_tags": clean_sectors,
    "sectors": clean_sectors,
    "contact_email": check_email,
}


class ProfileRules:
    """The input rules a need and a startup profile share, as a pydantic validator (NeedInput, StartupInput); it
    cleans those of the fields in _PROFILE_CLEANERS the model has: text trimmed, tags and sectors cleaned, the
    contact email checked."""

    @field_validator(*_PROFILE_CLEANERS, mode="before", check_fields=False)
    @classmethod
    def _clean(cls, value, info: ValidationInfo):
        return _PROFILE_CLEANERS[info.field_name](value)
