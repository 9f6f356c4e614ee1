"""CLI commands of the knowledge base: ``tutor index``, ``tutor search``, ``tutor eval retrieval``.

``index`` ingests lesson files (default: the bundled lessons) with a progress bar and
prints what changed; ``search`` prints the best passages for a query (``-`` reads one
query a line from stdin, loading the model once; ``--json`` prints one JSON line per
query); ``eval retrieval`` scores hybrid, dense and BM25 retrieval side by side. The
index is built on first use when it is missing. Errors leave through ``cli_errors()``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from core.errors import TutorError
from core.settings import Settings, get_settings
from deploy.cli.common import cli_errors

console = Console()
err_console = Console(stderr=True)


def _open(settings: Settings):  # -> (Embedder, LessonStore)
    from knowledge.embeddings import make_embedder
    from knowledge.store import make_store

    embedder = make_embedder(settings)
    return embedder, make_store(settings, embedder)


def _ingest_with_progress(paths: list[Path], store, embedder, prune: bool):
    from knowledge.ingest import ingest

    labels = {"read": "reading lessons", "embed": "embedding chunks", "write": "writing index"}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        console=err_console, transient=False,
    ) as bar:  # fmt: skip
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return ingest(paths, store, embedder, progress, prune=prune)


def _ensure_index(settings: Settings, store, embedder) -> None:
    """Build the index from the bundled lessons when it is empty (first run)."""
    if store.count() == 0:
        from knowledge.ingest import bundled_lesson_paths

        err_console.print("The lesson index is empty; building it from the bundled lessons.")
        report = _ingest_with_progress(bundled_lesson_paths(), store, embedder, prune=True)
        typer.echo(str(report), err=True)


def index_cmd(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Lesson files or folders (default: the bundled lessons)."),
    ] = None,
    prune: Annotated[
        bool | None,
        typer.Option(
            "--prune/--keep-others",
            help="Delete chunks of sources not given (default: prune only without PATHs).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Ingest lessons into the vector index; unchanged chunks are skipped."""
    from knowledge.ingest import bundled_lesson_paths

    with cli_errors():
        settings = get_settings()
        embedder, store = _open(settings)
        targets = list(paths) if paths else bundled_lesson_paths()
        report = _ingest_with_progress(
            targets, store, embedder, prune=not paths if prune is None else prune
        )
        if as_json:
            typer.echo(json.dumps(report.to_dict()))
        else:
            typer.echo(str(report))


def _result_dict(passage) -> dict[str, object]:
    return {
        "text": passage.text,
        "source": passage.source,
        "section": passage.section,
        "score": round(passage.score, 6),
        "url": passage.url,
    }


def _print_passages(query: str, passages) -> None:
    console.print(f"[bold]{escape(query)}[/]", highlight=False)
    if not passages:
        console.print("  (no matching passage)")
    for i, p in enumerate(passages, 1):
        console.print(
            f"{i}. [cyan]{escape(p.section)}[/] ({escape(p.source)}, score {p.score:.4f})",
            highlight=False,
        )
        snippet = " ".join(p.text.split())
        console.print(
            "   " + escape(snippet[:300] + ("…" if len(snippet) > 300 else "")), highlight=False
        )


def search_cmd(
    query: Annotated[
        str, typer.Argument(help="The question; '-' reads one query a line from stdin.")
    ],
    k: Annotated[int, typer.Option("--k", "-k", help="How many passages.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per query.")] = False,
    mode: Annotated[str, typer.Option(help="hybrid, dense or bm25.")] = "hybrid",
) -> None:
    """Top lesson passages for a query."""
    from knowledge.retrieval import make_retriever

    with cli_errors():
        settings = get_settings()
        embedder, store = _open(settings)
        _ensure_index(settings, store, embedder)
        retriever = make_retriever(settings, embedder, store)
        queries = [q for q in (ln.strip() for ln in sys.stdin) if q] if query == "-" else [query]
        for q in queries:
            try:
                passages = retriever.search(q, k=k, mode=mode)
            except TutorError as exc:
                if query != "-":
                    raise
                # one bad line in a batch: report it in place and keep answering the rest
                if as_json:
                    typer.echo(json.dumps({"query": q, "results": [], **exc.to_dict()}))
                else:
                    typer.echo(f"error[{exc.code}]: {exc.message}", err=True)
                continue
            if as_json:
                typer.echo(
                    json.dumps({"query": q, "results": [_result_dict(p) for p in passages]}),
                )
            else:
                _print_passages(q, passages)


def eval_retrieval_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    questions: Annotated[
        Path | None, typer.Option(help="Question set (default: knowledge/eval/questions.jsonl).")
    ] = None,
) -> None:
    """Recall@1/3/5, MRR and latency of hybrid, dense and BM25 retrieval."""
    from knowledge.evaluation import evaluate, load_questions
    from knowledge.retrieval import make_retriever

    with cli_errors():
        settings = get_settings()
        embedder, store = _open(settings)
        _ensure_index(settings, store, embedder)
        retriever = make_retriever(settings, embedder, store)
        results = evaluate(retriever, load_questions(questions))
        if as_json:
            typer.echo(json.dumps({"results": [r.to_dict() for r in results]}))
            return
        table = Table(title=f"Retrieval on {results[0].questions} questions")
        for col in ("mode", "recall@1", "recall@3", "recall@5", "MRR", "p50 ms", "p95 ms"):
            table.add_column(col, justify="left" if col == "mode" else "right")
        for r in results:
            table.add_row(
                r.mode, f"{r.recall_at_1:.3f}", f"{r.recall_at_3:.3f}", f"{r.recall_at_5:.3f}",
                f"{r.mrr:.3f}", f"{r.p50_ms:.1f}", f"{r.p95_ms:.1f}",
            )  # fmt: skip
        console.print(table)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the `tutor` app."""
    app.command("index")(index_cmd)
    app.command("search")(search_cmd)
    eval_app.command("retrieval")(eval_retrieval_cmd)
