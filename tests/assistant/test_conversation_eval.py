"""The conversation eval: at least 40 multi-turn cases, and the offline brain passes >= 95%."""

from __future__ import annotations

from assistant.eval.runner import load_cases, run_conversations


def test_the_case_file_is_big_and_well_formed():
    cases = load_cases()
    assert len(cases) >= 40
    assert len({c["id"] for c in cases}) == len(cases)
    assert sum(len(c["turns"]) > 1 for c in cases) >= 10
    for case in cases:
        assert case["turns"] and all("say" in t for t in case["turns"])


def test_offline_brain_passes_the_conversation_eval(tutor):
    report = run_conversations(tutor)
    failures = [f for r in report["results"] for f in r["failures"]]
    assert report["pass_rate"] >= 0.95, failures
