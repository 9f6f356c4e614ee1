"""Plain-text formulas in replies and prompts render as MathML (``assistant.plain_math``)."""

from __future__ import annotations

import pytest

from assistant.render import render_markdown


def test_the_update_rule_in_plain_text_is_one_formula():
    html = render_markdown("The state follows h_t = tanh(W_xh·x_t + W_hh·h_(t-1) + b) here.")
    assert html.count("<math") == 1
    assert "<mi>tanh</mi>" in html and html.count("<msub>") == 5
    assert "_" not in html.replace("math inline", "")  # no raw subscripts left
    assert "here.</p>" in html


def test_values_and_names_split_at_commas_and_words():
    html = render_markdown("with W_xh = 0.8, W_hh = 0.7 and h_0 = 0. Compute h_1, h_2.")
    assert html.count("<math") == 5
    assert " and " in html and " Compute " in html  # the words stay text


def test_a_bold_result_after_a_formula_stays_bold_text():
    html = render_markdown("a_1 = W_xh·x_1 + b = 0.5 = **0.5000**")
    assert "<strong>0.5000</strong>" in html and html.count("<math") == 1


@pytest.mark.parametrize(
    "text",
    ["snake_case and my_var", "`h_t = tanh(x)` in code", "a plain sentence, with a - b words"],
)
def test_words_code_and_prose_stay_text(text):
    assert "<math" not in render_markdown(text)


def test_math_already_marked_is_left_as_it_was():
    once = render_markdown(r"$h_t = \tanh(W_{hh} h_{t-1})$")
    assert once.count("<math") == 1 and "<mi>tanh</mi>" in once
