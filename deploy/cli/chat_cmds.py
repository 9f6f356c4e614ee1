"""CLI commands of the tutor: ``tutor ask``, ``tutor chat``, ``tutor eval conversations``.

``ask`` runs one turn (``--session`` continues a conversation, ``--json`` prints the
``POST /v1/chat`` body); ``chat`` is an interactive terminal conversation rendered with
rich as the reply streams in (``/new`` starts over, ``/quit`` leaves); ``eval conversations`` runs the
multi-turn eval with fresh sessions in a temporary database and prints the pass rate.
Errors leave through ``cli_errors()``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from core.settings import get_settings
from deploy.cli.common import cli_errors

console = Console()
err_console = Console(stderr=True)


def _tutor(**overrides):
    from assistant.factory import make_tutor

    settings = get_settings()
    with err_console.status("loading the tutor...", spinner="dots"):
        return make_tutor(settings, **overrides)


def _show(reply) -> None:
    """Print a reply for a terminal: Markdown, then sources, trace and plot notes."""
    console.print(Markdown(reply.reply))
    if reply.citations:
        console.print("[dim]sources: " + "; ".join(c.section for c in reply.citations) + "[/]")
    if reply.plots:
        titles = ", ".join(p.title for p in reply.plots)
        console.print(f"[dim]plots: {titles} (shown in the web widget; --json carries the SVG)[/]")


def _stream_reply(tutor, turn) -> None:
    """Show the reply as it streams in, then its sources and plots."""
    from rich.live import Live

    text, body = "", {}
    with Live(Markdown(""), console=console, refresh_per_second=12) as live:
        for event, data in tutor.stream(turn):
            if event == "delta":
                text += data["text"]
                live.update(Markdown(text))
            elif event == "done":
                body = data
    if not console.is_terminal:
        console.print()  # Live leaves the cursor on its last line when piped
    if body.get("citations"):
        console.print("[dim]sources: " + "; ".join(c["section"] for c in body["citations"]) + "[/]")
    if body.get("plots"):
        titles = ", ".join(p["title"] for p in body["plots"])
        console.print(f"[dim]plots: {titles} (shown in the web widget; --json carries the SVG)[/]")


def ask(
    message: Annotated[str, typer.Argument(help="What to ask the tutor.")],
    session: Annotated[str | None, typer.Option("--session", help="Continue this session.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the /v1/chat body.")] = False,
) -> None:
    """One chat turn with the tutor."""
    from assistant.types import ChatTurn

    with cli_errors():
        tutor = _tutor()
        reply = tutor.respond(ChatTurn(session, message, "cli"))
        if as_json:
            body = {**reply.to_dict(), "message_index": reply.message_index}  # as POST /v1/chat
            typer.echo(json.dumps(body, ensure_ascii=False))
            return
        _show(reply)
        err_console.print(f"[dim]session: {reply.session_id} (continue with --session)[/]")


def chat() -> None:
    """Interactive chat in the terminal (/new starts over, /quit leaves)."""
    from assistant.types import ChatTurn
    from core.errors import TutorError

    with cli_errors():
        tutor = _tutor()
        session = tutor.new_session("cli")
        console.print(
            Markdown(
                "**RNN Tutor** - ask about *Why sequences need memory*. `/new` starts over, `/quit` leaves."
            )
        )
        while True:
            try:
                text = console.input("[bold cyan]you>[/] ")
            except (EOFError, KeyboardInterrupt):
                console.print()
                return
            command = text.strip().lower()
            if command in ("/quit", "/exit", "/q"):
                return
            if command == "/new":
                session = tutor.new_session("cli")
                console.print("[dim]new conversation[/]")
                continue
            if not text.strip():
                continue
            console.print("[bold green]tutor>[/]")
            try:
                _stream_reply(tutor, ChatTurn(session, text, "cli"))
            except TutorError as exc:  # one bad message should not end the chat
                err_console.print(f"[red]error[{exc.code}][/]: {exc.message}")


def eval_conversations(
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    cases: Annotated[
        Path | None, typer.Option("--cases", help="A conversations.jsonl file.")
    ] = None,
) -> None:
    """Run the multi-turn conversation eval (fresh sessions in a temporary database)."""
    from assistant.eval.runner import load_cases, run_conversations
    from assistant.store import make_session_store_from_url

    with cli_errors(), tempfile.TemporaryDirectory(prefix="tutor-eval-") as tmp:
        settings = get_settings()
        sessions = make_session_store_from_url(f"sqlite:///{tmp}/eval.db")
        try:
            report = run_conversations(_tutor(sessions=sessions), load_cases(cases))
        finally:
            sessions.close()
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False))
            return
        table = Table(
            title="Conversation eval (offline brain)"
            if settings.model == "offline"
            else f"Conversation eval ({settings.model})"
        )
        for col in ("cases", "passed", "pass rate", "turns", "p50 ms", "p95 ms"):
            table.add_column(col)
        table.add_row(
            str(report["cases"]),
            str(report["passed"]),
            f"{report['pass_rate']:.1%}",
            str(report["turns"]),
            f"{report['p50_ms']:.1f}",
            f"{report['p95_ms']:.1f}",
        )
        console.print(table)
        for result in report["results"]:
            for failure in result["failures"]:
                console.print(f"[red]FAIL[/] {result['id']}: {failure}", highlight=False)


def eval_answers(
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    questions: Annotated[
        list[Path] | None, typer.Option("--questions", help="An answers_*.jsonl file (repeatable).")
    ] = None,
    failures: Annotated[int, typer.Option("--failures", help="Failures to list (0: none).")] = 20,
) -> None:
    """Run the answer eval: learner questions by type, each checked for a direct answer."""
    from assistant.eval.answers import load_questions, run_answers
    from assistant.store import make_session_store_from_url

    with cli_errors(), tempfile.TemporaryDirectory(prefix="tutor-eval-") as tmp:
        sessions = make_session_store_from_url(f"sqlite:///{tmp}/eval.db")
        try:
            report = run_answers(_tutor(sessions=sessions), load_questions(questions or None))
        finally:
            sessions.close()
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False))
            return
        table = Table(title=f"Answer eval: {report['passed']}/{report['questions']} "
                      f"({report['accuracy']:.1%}), p50 {report['p50_ms']:.0f} ms")  # fmt: skip
        for col in ("type", "questions", "passed", "accuracy"):
            table.add_column(col)
        for name, row in [*report["per_type"].items(), *(
            (f"by {a}", r) for a, r in report["per_author"].items()
        )]:  # fmt: skip
            table.add_row(name, str(row["questions"]), str(row["passed"]), f"{row['accuracy']:.1%}")
        console.print(table)
        failed = [r for r in report["results"] if not r["passed"]]
        for r in failed[:failures]:
            console.print(
                f"[red]FAIL[/] ({r['type']}) {r['q']!r}: {'; '.join(r['failures'])}",
                highlight=False,
            )


def eval_assess(
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    answers: Annotated[
        list[Path] | None, typer.Option("--answers", help="An assess_*.jsonl file (repeatable).")
    ] = None,
) -> None:
    """Run the assessor eval: labelled learner answers, precision and recall per label."""
    from assistant.eval.assess import load_answers, run_assess
    from assistant.listening.tools import shared_listener
    from knowledge.embeddings import make_embedder

    with cli_errors():
        listener = shared_listener(make_embedder(get_settings()), ())
        report = run_assess(listener.assessor, load_answers(answers or None))
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False))
            return
        table = Table(title=f"Assessor eval: {report['n']} answers, accuracy "
                      f"{report['accuracy']:.1%} (points exact {report['points_exact']:.1%}, "
                      f"misconception named right {report['misconception_id']:.1%})")  # fmt: skip
        for col in ("label", "answers", "predicted", "precision", "recall"):
            table.add_column(col)
        for label, row in report["labels"].items():
            table.add_row(label, str(row["n"]), str(row["predicted"]),
                          f"{row['precision']:.2f}", f"{row['recall']:.2f}")  # fmt: skip
        for author, accuracy in report["by_author"].items():
            table.add_row(f"by {author}", "", "", "", f"accuracy {accuracy:.1%}")
        console.print(table)


def eval_dialogues(
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    failures: Annotated[int, typer.Option("--failures", help="Failures to list (0: none).")] = 20,
) -> None:
    """Run the dialogue eval: learners answering conceptual questions, accuracy per move."""
    from assistant.eval.dialogues import run_dialogues
    from assistant.store import make_session_store_from_url

    with cli_errors(), tempfile.TemporaryDirectory(prefix="tutor-eval-") as tmp:
        sessions = make_session_store_from_url(f"sqlite:///{tmp}/eval.db")
        try:
            report = run_dialogues(_tutor(sessions=sessions))
        finally:
            sessions.close()
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False))
            return
        table = Table(title=f"Dialogue eval: {report['passed']}/{report['turns']} moves "
                      f"({report['accuracy']:.1%}) in {report['dialogues']} dialogues")  # fmt: skip
        for col in ("move", "turns", "passed", "accuracy"):
            table.add_column(col)
        rows = [
            *report["per_move"].items(),
            *((f"by {a}", r) for a, r in report["per_author"].items()),
        ]
        for name, row in rows:
            table.add_row(name, str(row["turns"]), str(row["passed"]), f"{row['accuracy']:.1%}")
        console.print(table)
        for r in [r for r in report["results"] if not r["passed"]][:failures]:
            console.print(f"[red]FAIL[/] {r['dialogue']}: {r['say']!r} wanted {r['want']}, "
                          f"got {r['got']}", highlight=False)  # fmt: skip


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the `tutor` app."""
    app.command("ask")(ask)
    app.command("chat")(chat)
    eval_app.command("conversations")(eval_conversations)
    eval_app.command("answers")(eval_answers)
    eval_app.command("assess")(eval_assess)
    eval_app.command("dialogues")(eval_dialogues)
