"""all-MiniLM-L6-v2's transformer as an ONNX graph, for the query path of a running tutor.

A learner's question is one short text. PyTorch spends ~8 ms on it and a server start
spends ~3.5 s importing torch and transformers before the first one; ONNX Runtime runs
the same weights in ~2.5 ms on one thread and imports in ~0.1 s. The graph is exported
from the model folder once (``torch.onnx.export``, on the machine, from the same
safetensors: nothing is downloaded), checked against PyTorch on a padded probe batch,
and kept in the model cache directory under a name derived from the model's files, so
a changed model gets a new graph. Writes are atomic, so processes that share the cache
race harmlessly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import uuid
import warnings
from pathlib import Path

import numpy as np

log = logging.getLogger("tutor.embeddings")

EXPORT_VERSION = "1"  # bump when the export recipe changes; old graphs are ignored
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PROBE = ["Why do RNNs forget?", "Walk me through a trace of a tanh RNN on the inputs 1, 0, 1."]
TOLERANCE = 1e-4  # max |difference| of the token states between ONNX Runtime and PyTorch


def _weights(model_path: str) -> list[Path]:
    """The files that define the model: config, tokenizer and every weights shard."""
    root = Path(model_path)
    named = [root / n for n in ("config.json", "tokenizer.json", "tokenizer_config.json")]
    shards = sorted([*root.glob("*.safetensors"), *root.glob("*.bin")])
    return [f for f in named if f.exists()] + shards


def _read_map(path: Path) -> dict[str, str]:
    """A small JSON object kept in the cache (digests, graphs); empty when unreadable."""
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _file_digest(file: Path, known: dict[str, str]) -> str:
    """Full blake2b of ``file``, looked up in (or added to) ``known`` by path, size and
    mtime so a restart does not re-read 90 MB (~0.15 s) when nothing changed."""
    stat = file.stat()
    key = f"{file.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    if isinstance(known.get(key), str):
        return known[key]
    digest = hashlib.blake2b(digest_size=16)
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    same_file = f"{file.resolve()}|"  # older sizes/times of this file are stale
    for stale in [k for k in known if k.startswith(same_file)]:
        del known[stale]
    known[key] = digest.hexdigest()
    return known[key]


def _write_atomically(path: Path, data: bytes) -> None:
    """Best effort: in a read-only cache the digests are computed again next time."""
    partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)


def graph_path(model_path: str, cache_dir: Path) -> Path:
    """Where the graph for the model in ``model_path`` lives, named by the full contents
    of the model's files (not their times or folder, so a copied model or an image layer
    finds it, and a changed weight anywhere gets a new graph)."""
    index = cache_dir / "digests.json"
    known = _read_map(index)
    before = dict(known)
    digest = hashlib.blake2b(EXPORT_VERSION.encode(), digest_size=8)
    for file in _weights(model_path):
        digest.update(f"{file.name}:{_file_digest(file, known)}".encode())
    if known != before:  # one write, and none on an unchanged start
        _write_atomically(index, json.dumps(known, indent=0).encode())
    return cache_dir / f"minilm-{digest.hexdigest()}.onnx"


def writable(folder: Path) -> bool:
    """Whether the graph can be written into ``folder`` (created if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def export(model_path: str, target: Path) -> None:
    """Trace the transformer to ONNX at ``target`` and check it against PyTorch."""
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    # transformers leaves this one function unannotated (it returns None)
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    # eager attention: SDPA's tracing branches on the mask's values (a batch without
    # padding would bake "no mask" into the graph)
    model = AutoModel.from_pretrained(
        model_path, local_files_only=True, attn_implementation="eager"
    ).eval()

    class _States(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            states: torch.Tensor = self.model(  # a Module call is typed Any
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return states

    probe = tokenizer(PROBE, padding=True, return_tensors="pt")
    args = tuple(probe[name] for name in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "states")}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{uuid.uuid4().hex}.part")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the tracer's advice, not our concern here
            expected = _States()(*args).numpy()  # before tracing, which leaves hooks behind
            torch.onnx.export(
                _States(),
                args,
                str(partial),
                input_names=list(INPUTS),
                output_names=["states"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        got = OnnxTransformer(partial).states({k: v.numpy() for k, v in probe.items()})
        error = float(np.abs(got - expected).max())
        if not error < TOLERANCE:
            raise RuntimeError(f"exported graph differs from PyTorch by {error:.2e}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


class OnnxTransformer:
    """One ONNX Runtime session on one thread: a query is too small to split, and under
    load the other core is better spent on another learner's turn."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def states(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """Token states ``(n, T, 384)`` for tokenised inputs ``(n, T)``."""
        feed = {name: np.asarray(features[name], dtype=np.int64) for name in INPUTS}
        states: np.ndarray = self._session.run(None, feed)[0]  # onnxruntime is untyped
        return states


class OnnxQueryEncoder:
    """Tokenise, run the graph, mean-pool over real tokens, L2-normalise: the
    sentence-transformers pipeline of this model, without torch in the process."""

    def __init__(self, model_path: str, graph: Path, max_seq_length: int) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self._tokenizer.no_padding()  # the file pads to 128; we pad to the longest
        self._tokenizer.enable_truncation(max_seq_length)
        self._transformer = OnnxTransformer(graph)

    def encode(self, texts: list[str]) -> np.ndarray:
        """``(n, 384)`` float32 unit vectors."""
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)  # [PAD] is id 0
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        states = self._transformer.states(
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )  # (n, T, 384)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (states * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)  # (n, 384)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


def _retire_previous(model_path: str, graph: Path) -> None:
    """Record that this model folder now uses ``graph`` and delete the graph it used
    before (its files changed), unless another folder still uses that one: ``graphs.json``
    in the cache maps folders to graphs. A process still running on the old graph keeps
    it (loaded in memory). Best effort: a read-only cache just keeps everything."""
    index = graph.parent / "graphs.json"
    known = _read_map(index)
    folder = str(Path(model_path).resolve())
    previous = known.get(folder)
    if previous == graph.name:
        return  # the usual start: nothing to write
    known[folder] = graph.name
    _write_atomically(index, json.dumps(known, indent=0).encode())
    if isinstance(previous, str) and previous != graph.name and previous not in known.values():
        with contextlib.suppress(OSError):
            (graph.parent / Path(previous).name).unlink()
            log.info("removed the previous ONNX graph %s", previous)


def load_query_encoder(
    model_path: str, cache_dir: Path, max_seq_length: int
) -> OnnxQueryEncoder | None:
    """The ONNX query encoder, exporting the graph on first use; None (with a warning)
    when the graph can neither be found nor made, e.g. in a read-only cache: the
    SentenceTransformer then answers queries too. Never raises."""
    try:
        if not (Path(model_path) / "tokenizer.json").exists():
            raise FileNotFoundError("the model folder has no tokenizer.json (a fast tokenizer)")
        graph = graph_path(model_path, cache_dir)
        if graph.exists():
            try:
                encoder = OnnxQueryEncoder(model_path, graph, max_seq_length)
                _retire_previous(model_path, graph)
                return encoder
            except Exception as exc:  # a damaged file: make it again if we may
                log.warning("discarding unreadable ONNX graph %s: %s", graph, exc)
                with contextlib.suppress(OSError):
                    graph.unlink()
        if not writable(cache_dir):
            raise PermissionError(f"cannot write the ONNX graph into {cache_dir}")
        log.info("exporting the embedding model to ONNX at %s (once)", graph)
        export(model_path, graph)
        _retire_previous(model_path, graph)
        return OnnxQueryEncoder(model_path, graph, max_seq_length)
    except Exception as exc:  # a failed export must not stop the tutor: torch still works
        log.warning("ONNX query path unavailable (%s); queries run on PyTorch", exc)
        return None
