"""The matching engine: a lazily loaded embedder and the on-disk indexes, kept fresh.

Each app holds one Engine. Before every use it compares the version named in the index folder's
CURRENT file with the one it holds and reloads a newer snapshot, so a reindex by any process is
picked up without a restart. It also notes which kinds need repair (a current snapshot that does not
load, or loads without its graph), and holds the stand-in corpora services build meanwhile. The embedder (a
loaded model) and the memo of encoded texts are shared by every app of the process with the same model
settings: loading a model or encoding the same text twice in one process is never needed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from flask import current_app

from marketplace.core.logging_setup import quiet_model_stack
from marketplace.rankings.enums import ProfileKind
from matching import store
from matching.corpus import Corpus
from matching.embed import Embedder, embedder_id_for, load_embedder

_EXTENSION = "innomatch.matching"
_MEMO_SIZE = 4096
_shared_lock = threading.Lock()
_embedders: dict[tuple, Embedder] = {}
# Vectors by content hash (the hash names the model): the same text is never encoded twice in one process.
_memo: OrderedDict[str, tuple] = OrderedDict()


class Engine:
    def __init__(
        self,
        model: str,
        index_dir: Path,
        *,
        backend: str = "torch",
        cache_dir: Path | None = None,
        multilingual: str = "",
    ) -> None:
        self.model = model
        self.multilingual = multilingual
        self.backend = backend
        self.cache_dir = cache_dir
        self.index_dir = Path(index_dir)
        self._corpora: dict[ProfileKind, tuple[int, Corpus]] = {}
        # Per kind: the model whose vectors the held snapshot holds (its meta["model"]). It differs from model_id
        # while a re-embed for a new model runs; rankings then use that model's stored vectors for queries.
        self._snapshot_models: dict[ProfileKind, str | None] = {}
        self.memo = _memo
        # Kinds whose current snapshot is damaged: a rebuild is due (services.request_index_repair).
        self.damaged: set[ProfileKind] = set()
        # Per kind: (built at, monotonic seconds; corpus) built from the database while no snapshot loads.
        self.stand_ins: dict[ProfileKind, tuple[float, Corpus]] = {}
        # Per kind: (snapshot version, label model fitted on it): sectors suggested for untagged profiles.
        self.label_models: dict[ProfileKind, tuple[int, object]] = {}
        # Per kind: when this process last asked a worker to repair the index (monotonic seconds).
        self.repair_requested: dict[ProfileKind, float] = {}
        # Per kind: when this process last asked a worker to re-embed it for the configured model.
        self.reembed_requested: dict[ProfileKind, float] = {}

    @property
    def embedder(self) -> Embedder:
        key = (self.model, self.multilingual, self.backend, str(self.cache_dir))
        with _shared_lock:
            if key not in _embedders:
                quiet_model_stack()
                _embedders[key] = load_embedder(
                    self.model or None,
                    backend=self.backend,
                    cache_dir=self.cache_dir,
                    multilingual=self.multilingual or None,
                )
            return _embedders[key]

    @property
    def model_id(self) -> str:
        """The stored vectors' model name, without loading the model (ranking stored vectors never needs it)."""
        return embedder_id_for(self.model or None, self.backend, self.multilingual or None)

    def directory(self, kind: ProfileKind) -> Path:
        return self.index_dir / kind.value

    def corpus(self, kind: ProfileKind) -> tuple[int, Corpus] | None:
        """The newest snapshot of this kind's index, reloaded when another process published one."""
        version = store.current_version(self.directory(kind))
        held = self._corpora.get(kind)
        if version is None:
            return None
        if held is not None and held[0] == version:
            return held
        loaded = store.load(self.directory(kind))
        if loaded is None:
            self.damaged.add(kind)
            return held
        corpus = loaded[1]
        if corpus.index.uses_graph and not corpus.index.graph_ready:
            self.damaged.add(kind)  # usable (searched exactly), but its graph must be rebuilt
        else:
            self.damaged.discard(kind)
        self.stand_ins.pop(kind, None)
        self._corpora[kind] = (loaded[0], corpus)
        self._snapshot_models[kind] = loaded[2].get("model")
        return self._corpora[kind]

    def snapshot_model(self, kind: ProfileKind) -> str | None:
        """The model of the vectors in the snapshot this process holds (call ``corpus`` first); None when none."""
        return self._snapshot_models.get(kind) if kind in self._corpora else None

    def forget(self, kind: ProfileKind) -> None:
        self._corpora.pop(kind, None)
        self._snapshot_models.pop(kind, None)

    def remember(self, key: str, value: tuple) -> None:
        with _shared_lock:
            self.memo[key] = value
            self.memo.move_to_end(key)
            while len(self.memo) > _MEMO_SIZE:
                self.memo.popitem(last=False)


def init_engine(app) -> None:
    app.extensions[_EXTENSION] = Engine(
        app.config["EMBEDDING_MODEL"],
        Path(app.config["INDEX_DIR"]),
        backend=app.config["EMBEDDING_BACKEND"],
        multilingual=app.config["EMBEDDING_MULTILINGUAL"],
        cache_dir=Path(app.config["MODEL_CACHE_DIR"]),
    )


def engine() -> Engine:
    return current_app.extensions[_EXTENSION]
