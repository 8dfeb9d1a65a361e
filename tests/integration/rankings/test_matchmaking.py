"""Ranking in the marketplace with the real model: pages, freshness, rebuilds, two processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.core.db import db, unit_of_work
from marketplace.needs.models import Need
from marketplace.rankings import services
from marketplace.rankings.engine import engine
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.models import ProfileVector
from marketplace.rankings.services import (
    LOOKUP_SETTINGS,
    rank_needs_for_startup,
    rank_startups_for_need,
    rebuild_index,
    refresh_vectors,
    search_startups,
    startup_ids_for_viewer,
)
from marketplace.startups.models import Listing, Startup
from marketplace.startups.services import create_startup, update_startup
from matching import store
from matching.embed import Embedder
from tests.conftest import BANK_STAFF, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import need_id, org, startup_listed_by, user

pytestmark = pytest.mark.integration


def mpc_need() -> Need:
    return db.session.scalar(sa.select(Need).where(Need.slug == "mpc-blockchain-cryptography"))


def test_need_page_lists_ranked_startups_with_reasons(app, client, auth):
    auth.login(BANK_STAFF)

    page = client.get(f"/needs/{need_id(app, 'mpc-blockchain-cryptography')}").get_data(as_text=True)

    assert "Startups ranked for this need" in page
    assert page.count('class="scorebar"') == 20
    assert 'class="pair"' in page  # sentence pairs explain the match
    assert "secure multi-party computation" in page.lower()


def test_top_matches_for_mpc_need_are_privacy_startups(ctx):
    ranked = rank_startups_for_need(user(BANK_STAFF), mpc_need(), k=10)

    privacy = [r for r in ranked if "privacy_blockchain" in r.item.sectors]
    assert len(privacy) >= 8
    assert all(0 <= r.fit.score <= 100 for r in ranked)  # the fit scale (matching.fit), not rescaled to the best
    assert all(r.explanation is not None for r in ranked)


def test_incubator_sees_only_its_portfolio_ranked(ctx):
    manager = user(ZJ_MANAGER)

    own = startup_ids_for_viewer(manager)
    ranked = rank_startups_for_need(manager, mpc_need(), k=50)

    assert ranked and {r.item.id for r in ranked} <= own


def test_structured_filters_narrow_the_ranking(app, client, auth):
    auth.login(BANK_STAFF)
    mpc = need_id(app, "mpc-blockchain-cryptography")

    page = client.get(f"/needs/{mpc}?sector=healthcare&country=China").get_data(as_text=True)

    with app.app_context():
        names = {
            s.name for s in db.session.scalars(sa.select(Startup)) if "healthcare" in s.sectors and s.country == "China"
        }
    shown = [n for n in names if f">{n}</a>" in page]
    assert shown and page.count('class="scorebar"') == len(shown)


def test_the_incubator_filter_keeps_its_portfolio_only(app, client, auth):

    auth.login(BANK_STAFF)
    edu = need_id(app, "education-ecosystem-it")
    with app.app_context():
        xnode = org("xnode").id
        listed = {
            s.name
            for s in db.session.scalars(
                sa.select(Startup).join(Listing, Listing.startup_id == Startup.id).where(Listing.incubator_id == xnode)
            )
        }
        others = {s.name for s in db.session.scalars(sa.select(Startup))} - listed

    page = client.get(f"/needs/{edu}?incubator={xnode}").get_data(as_text=True)

    shown = [n for n in listed if f">{n}</a>" in page]
    assert shown and page.count('class="scorebar"') == len(shown)
    assert not [n for n in others if f'class="ranked-title">{n}</a>' in page]


def test_needs_ranked_for_a_startup_are_only_visible_open_ones(ctx, app):
    startup = db.session.get(Startup, startup_listed_by(app, "plug-and-play"))

    ranked = rank_needs_for_startup(user(PNP_MANAGER), startup, k=20)

    slugs = {r.item.slug for r in ranked}
    assert slugs
    assert "data-governance-tooling" not in slugs  # internal
    assert "mpc-blockchain-cryptography" not in slugs  # invited, not Plug and Play
    assert "corporate-ap-automation" not in slugs  # draft
    assert all(r.item.status == "published" for r in ranked)


def test_startup_page_shows_needs_to_its_incubator_only(app, client, auth):
    startup = startup_listed_by(app, "zhangjiang-incubator")
    auth.login(ZJ_MANAGER)
    assert "Open needs that fit this startup" in client.get(f"/startups/{startup}").get_data(as_text=True)
    auth.logout()

    auth.login(PNP_MANAGER)

    assert "Open needs that fit this startup" not in client.get(f"/startups/{startup}").get_data(as_text=True)


def test_edited_profile_is_ranked_by_its_new_text(ctx, app):
    startup = db.session.get(Startup, startup_listed_by(app, "zhangjiang-incubator"))
    before = {r.item.id for r in rank_startups_for_need(user(BANK_STAFF), mpc_need(), k=10)}
    assert startup.id not in before

    with unit_of_work():
        update_startup(
            actor=user(ZJ_MANAGER),
            startup=startup,
            data={
                "name": startup.name,
                "sectors": ["privacy_blockchain"],
                "tags": "secure multi-party computation, joint risk control, consortium blockchain",
                "description": "Secure multi-party computation and consortium blockchain for joint risk control "
                "between banks: shared blacklists against multi-lender fraud, private set "
                "intersection for joint marketing, and federated model training.",
            },
        )

    after = [r.item.id for r in rank_startups_for_need(user(BANK_STAFF), mpc_need(), k=10)]
    assert startup.id in after[:5], after


def test_unchanged_profiles_are_not_encoded_again(ctx):
    ids = list(db.session.scalars(sa.select(Startup.id)))

    assert refresh_vectors(ProfileKind.STARTUP, ids) == []


def test_vectors_refresh_chunk_by_chunk_and_a_rebuild_drops_orphans(ctx, monkeypatch):
    """A platform's ids go to the database in chunks (PostgreSQL takes at most 65,535 parameters a statement)."""

    monkeypatch.setattr(services, "REFRESH_CHUNK", 3)
    startups = list(db.session.scalars(sa.select(Startup).order_by(Startup.id).limit(7)))
    for startup in startups:
        startup.description += " Also runs cold-chain sensors for pledged goods."
    db.session.add(
        ProfileVector(
            kind=ProfileKind.STARTUP,
            entity_id=10**9,
            model=engine().model_id,
            content_hash="gone",
            vector=b"",
            tokens=[],
            labels=[],
        )
    )
    db.session.flush()

    rebuild_index(ProfileKind.STARTUP)

    assert refresh_vectors(ProfileKind.STARTUP, [s.id for s in startups]) == []
    assert db.session.scalar(sa.select(ProfileVector).where(ProfileVector.entity_id == 10**9)) is None


def test_the_stored_vectors_model_name_is_known_without_loading_the_model(ctx):
    assert engine().model_id == engine().embedder.model_id


def test_index_survives_restart_without_rebuild(app):
    with app.app_context():
        version = store.current_version(engine().directory(ProfileKind.STARTUP))
    restarted = create_app(
        {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True, "INDEX_DIR": app.config["INDEX_DIR"]}
    )

    with restarted.app_context():
        held = engine().corpus(ProfileKind.STARTUP)

    assert held is not None and held[0] == version
    assert len(held[1]) == 261


def test_second_process_publishes_and_first_picks_it_up(app):
    with app.app_context():
        held_before = engine().corpus(ProfileKind.STARTUP)[0]
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INDEX_DIR": app.config["INDEX_DIR"],
        "SECRET_KEY": "x",
        "HF_HUB_OFFLINE": "1",
    }

    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "marketplace", "matching", "reindex"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    with app.app_context():
        held_after = engine().corpus(ProfileKind.STARTUP)[0]
    assert held_after == held_before + 1


def test_reindex_rebuilds_a_lost_index_from_the_database(app):
    shutil.rmtree(Path(app.config["INDEX_DIR"]) / "startup")

    result = app.test_cli_runner().invoke(args=["matching", "reindex"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        version, corpus = engine().corpus(ProfileKind.STARTUP)
    assert version == 1 and len(corpus) == 261


def test_eval_cli_prints_metrics_per_method(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {
                    "id": 1,
                    "name": "A",
                    "description": "Hospital billing and medical insurance claims.",
                    "tags": ["health"],
                },
                {"id": 2, "name": "B", "description": "Campus cards for universities.", "industries": ["Education"]},
                {"id": 3, "name": "C", "description": "GPS trackers for pledged cars."},
            ]
        )
    )
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"id": "q1", "text": "medical insurance claims for hospitals"}))
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("q1 0 1 2\n")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "matching.eval",
            "--corpus",
            str(corpus),
            "--queries",
            str(queries),
            "--qrels",
            str(qrels),
            "--method",
            "all",
            "--k",
            "10",
            "--set",
            "expansion_terms=5",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )

    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"bm25", "dense", "hybrid"}
    assert out["hybrid"] == {"ndcg@10": 1.0, "recall@10": 1.0, "recall@100": 1.0, "mrr": 1.0}


def test_directory_search_ranks_by_meaning(app, client, auth):
    auth.login(BANK_STAFF)

    page = client.get("/startups/?q=detect+fraud+in+medical+insurance+claims").get_data(as_text=True)

    with app.app_context():
        first = page.split('class="card startup-card"', 2)[1]
        name = first.split("</a>", 1)[0].rsplit(">", 1)[1]
        startup = db.session.scalar(sa.select(Startup).where(Startup.name == name))
    assert "healthcare" in startup.sectors


def test_a_one_word_search_puts_the_profile_holding_that_word_first(ctx):

    with unit_of_work():
        startup = create_startup(
            actor=user(ZJ_MANAGER),
            data={
                "name": "Quarry Sensors",
                "sectors": ["iot_logistics"],
                "description": "Vibration sensors for zyxquantum monitoring of pledged machinery in warehouses.",
            },
        )

    assert search_startups("zyxquantum", k=5)[0].id == startup.id
    assert (LOOKUP_SETTINGS.rocchio_beta, LOOKUP_SETTINGS.expansion_terms, LOOKUP_SETTINGS.label_weight) == (0, 0, 0)


def test_chinese_query_finds_chinese_profile(ctx):

    with unit_of_work():
        startup = create_startup(
            actor=user(ZJ_MANAGER),
            data={
                "name": "链融科技",
                "sectors": ["sme_finance"],
                "description": "我们为中小企业提供供应链金融风控平台，基于仓单和物流数据实时评估融资风险。",
            },
        )

    matches = search_startups("供应链金融 风控", k=5)

    assert matches[0].id == startup.id


def test_int8_onnx_encodes_like_float32_torch(tmp_path):

    texts = [
        "Secure multi-party computation for joint risk control between banks.",
        "Campus card and tuition payments for universities.",
        "GPS trackers monitor pledged vehicles for car-pledge loans.",
    ]
    fast = Embedder(backend="onnx-int8", cache_dir=tmp_path)
    exact = Embedder(backend="torch")

    agreement = (fast.encode(texts) * exact.encode(texts)).sum(axis=1)

    assert fast.model_id == "all-MiniLM-L6-v2+onnx-int8"
    assert agreement.min() > 0.97
