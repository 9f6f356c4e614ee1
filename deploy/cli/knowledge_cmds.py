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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from core.errors import TutorError
from core.settings import Settings, get_settings
from deploy.cli.common import cli_errors

console = Console()
err_console = Console(stderr=True)


@contextmanager
def _progress_bar(announce: str = "") -> Iterator[Callable[[str, int, int], None]]:
    """An ``ingest`` progress callback drawing one bar per stage on stderr; the bars (and
    the ``announce`` line before them) appear only once something is ingested."""
    labels = {"read": "reading lessons", "embed": "embedding chunks", "write": "writing index"}
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        console=err_console, transient=False,
    )  # fmt: skip
    tasks: dict[str, TaskID] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if not tasks:
            if announce:
                err_console.print(announce)
            bar.start()
        if stage not in tasks:
            tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
        bar.update(tasks[stage], completed=done, total=total)

    try:
        yield progress
    finally:
        if tasks:
            bar.stop()


def _open_retriever(settings: Settings):  # -> HybridRetriever
    """The retriever over the configured index, built from the bundled lessons (with
    progress bars) when the index is empty (the first run)."""
    from knowledge.embeddings import make_embedder
    from knowledge.index import open_index

    embedder = make_embedder(settings)
    announce = "The lesson index is empty; building it from the bundled lessons."
    with _progress_bar(announce) as progress:
        opened = open_index(settings, embedder, progress=progress)
    if opened.report is not None:
        typer.echo(str(opened.report), err=True)
    return opened.retriever


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
    from knowledge.embeddings import make_embedder
    from knowledge.ingest import bundled_lesson_paths, ingest
    from knowledge.store import make_store

    with cli_errors():
        settings = get_settings()
        embedder = make_embedder(settings)
        store = make_store(settings, embedder)
        targets = list(paths) if paths else bundled_lesson_paths()
        with _progress_bar() as progress:
            report = ingest(
                targets, store, embedder, progress, prune=not paths if prune is None else prune
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
    with cli_errors():
        retriever = _open_retriever(get_settings())
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

    with cli_errors():
        retriever = _open_retriever(get_settings())
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
