"""LabelledEnum: the base of every enum whose members a person reads."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry their words: ``DRAFT = "draft", _l("Draft")`` stores "draft" and reads as
    ``NeedStatus.DRAFT.label`` (a lazy string, so in the reader's language)."""

    _label: str

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self) -> str:
        return self._label
