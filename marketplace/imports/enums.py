from enum import StrEnum


class FileKind(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"
    JSONL = "jsonl"


class RowOutcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


class ImportStatus(StrEnum):
    UPLOADED = "uploaded"  # read and auto-mapped; waiting for the user to confirm the mapping
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportStage(StrEnum):
    PARSED = "parsed"
    SAVED = "saved"
    EMBEDDED = "embedded"
    INDEXED = "indexed"
