from enum import StrEnum


class ProfileKind(StrEnum):
    STARTUP = "startup"
    NEED = "need"
