"""End-to-end import throughput: parse → validate → save → embed → index, per stage.

    python bench/imports.py --rows 10000 [--database sqlite|postgresql]

Builds a synthetic XLSX portfolio (Chinese headers, varied text), imports it through the same
job functions the worker runs, in-process, and prints one JSON object with seconds per stage
and rows per second. Uses a scratch SQLite file or a scratch PostgreSQL database.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from marketplace import create_app
from marketplace.accounts.models import Organisation, User
from marketplace.core.db import db, unit_of_work
from marketplace.imports import jobs
from marketplace.imports.models import ImportBatch
from marketplace.imports.services import start_import
from marketplace.ops.seeding import load_world
from marketplace.rankings.engine import engine
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.services import sync_index
from marketplace.schema.migrate import upgrade_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from openpyxl import Workbook  # noqa: E402

WORDS = [
    "cold-chain",
    "sensors",
    "warehouse",
    "receipts",
    "pledged",
    "vehicles",
    "GPS",
    "trackers",
    "hospital",
    "claims",
    "insurance",
    "tuition",
    "payments",
    "campus",
    "cards",
    "federated",
    "learning",
    "secure",
    "computation",
    "invoice",
    "financing",
    "payables",
    "supplier",
    "portal",
    "ERP",
    "integration",
    "OCR",
    "reconciliation",
    "credit",
    "scoring",
    "merchants",
    "logistics",
    "freight",
]


def portfolio(rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["企业编号", "公司名称", "官网", "简介", "成立时间", "融资轮次", "团队规模", "行业", "标签"])
    for i in range(rows):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 60)))
        sheet.append(
            [
                f"B-{i:06d}",
                f"Bench Startup {i:06d}",
                f"https://bench-{i:06d}.example",
                f"Bench Startup {i:06d} builds {text}.",
                2012 + i % 12,
                rng.choice(["种子轮", "A轮", "B轮"]),
                rng.randint(3, 300),
                rng.choice(["金融科技", "物联网", "医疗", "教育"]),
                ", ".join(rng.sample(WORDS, 3)),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="innomatch-import-bench-"))
    if args.database == "sqlite":
        url = f"sqlite:///{scratch / 'bench.sqlite3'}"
    else:
        from tests.conftest import fresh_postgres_database  # noqa: PLC0415 (the suite's helpers only for PostgreSQL runs)

        url = fresh_postgres_database("innomatch_bench_import")
    app = create_app({"DATABASE_URL": url, "TESTING": True, "INDEX_DIR": str(scratch / "index")})
    data = portfolio(args.rows)
    result: dict = {"rows": args.rows, "database": args.database, "file_mb": round(len(data) / 2**20, 1)}
    with app.app_context():
        upgrade_database(db.engine)
        with unit_of_work():
            load_world()
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@zhangjiang.example"))
        incubator = db.session.scalar(sa.select(Organisation).where(Organisation.slug == "zhangjiang-incubator"))

        engine().embedder  # noqa: B018 - model load is not part of the import
        total = time.perf_counter()
        t = time.perf_counter()
        with unit_of_work():  # the upload step: headers and a count, the file read as a stream
            batch = start_import(
                actor=manager, incubator=incubator, filename="bench.xlsx", data=data, max_rows=args.rows
            )
        result["parse_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        jobs._save_rows(batch.id, data, dict(batch.mapping))  # reads the rows again, a chunk at a time
        result["validate_and_save_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        jobs._embed(batch.id)
        result["embed_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        with unit_of_work():
            sync_index(ProfileKind.STARTUP, db.session.get(ImportBatch, batch.id).touched_ids)
        result["index_s"] = round(time.perf_counter() - t, 2)
        seconds = time.perf_counter() - total
        db.session.expire_all()
        result["counts"] = db.session.get(ImportBatch, batch.id).counts
        result["total_s"] = round(seconds, 1)
        result["rows_per_s"] = round(args.rows / seconds, 1)
        result["backend"] = app.config["EMBEDDING_BACKEND"]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
