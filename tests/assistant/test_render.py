"""Markdown -> sanitised HTML with MathML: math, tables, links, and what gets stripped."""

from __future__ import annotations

import pytest

from assistant.render import latex_to_mathml, render_markdown
from core.errors import InvalidInput


def test_inline_math_becomes_mathml_with_subscripts():
    html = render_markdown(r"The update is $h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b)$.")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert "<msub><mi>h</mi><mi>t</mi></msub>" in html
    assert html.count("<msub>") == 5
    assert "<mi>tanh</mi>" in html
    assert "$" not in html


def test_display_math_is_block():
    html = render_markdown(
        "Gradient through time:\n\n$$\n\\frac{\\partial h_t}{\\partial h_{t-1}}\n$$\n"
    )
    assert 'display="block"' in html
    assert "<mfrac>" in html


def test_table_renders_with_alignment():
    html = render_markdown("| step | $h_t$ |\n|:-----|------:|\n| 1 | 0.46 |\n| 2 | 0.61 |\n")
    assert "<table>" in html and "<thead>" in html and "<tbody>" in html
    assert html.count("<tr>") == 3
    assert '<td style="text-align:right">0.61</td>' in html
    assert "<msub>" in html  # math inside a header cell


def test_basic_markdown_elements_survive():
    md = "# Title\n\n**bold** *em* `code`\n\n- one\n- two\n\n> quoted\n\n```python\nprint(1)\n```\n"
    html = render_markdown(md)
    for fragment in ("<h1>Title</h1>", "<strong>bold</strong>", "<em>em</em>", "<code>code</code>",
                     "<li>one</li>", "<blockquote>", '<code class="language-python">print(1)'):  # fmt: skip
        assert fragment in html


def test_script_event_handlers_and_javascript_links_are_stripped():
    html = render_markdown(
        "Hi <script>alert('x')</script> there\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        '[bad](javascript:alert(1)) and <a href="javascript:alert(2)" onclick="y()">raw</a>\n\n'
        '<p style="position:fixed" onmouseover="z()">hover</p>'
    )
    lowered = html.lower()
    assert "<script" not in lowered and "alert('x')" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered and "onmouseover" not in lowered
    assert 'href="javascript' not in lowered
    assert "<img" not in lowered
    assert "position" not in lowered
    assert "hover" in html and "raw" in html


def test_links_keep_safe_schemes_and_get_rel():
    html = render_markdown(
        "[lesson](/lessons/why-sequences-need-memory#where-memory-fades) "
        "[docs](https://example.org/rnn) [mail](mailto:tutor@example.org) [ftp](ftp://x.org/f)"
    )
    assert 'href="/lessons/why-sequences-need-memory#where-memory-fades"' in html
    assert 'href="https://example.org/rnn"' in html
    assert 'href="mailto:tutor@example.org"' in html
    assert 'href="ftp' not in html
    assert html.count('rel="noopener noreferrer"') == 4


@pytest.mark.parametrize(
    "latex", [r"x^", r"\foo{a}", r"\frac{a}{b", r"\begin{matrix} a", r"\left( a", "a}"]
)
def test_bad_latex_falls_back_to_code(latex):
    html = render_markdown(f"Look: ${latex}$ here")
    assert '<code class="math-error">' in html
    assert "<math" not in html
    assert "here" in html


def test_fallback_escapes_source():
    out = latex_to_mathml(r"\evil<b>{")
    assert out.startswith('<code class="math-error">') and "&lt;b&gt;" in out


def test_dollar_amounts_are_not_math():
    html = render_markdown("It costs $5 and $6 today.")
    assert "<math" not in html and "$5" in html


def test_empty_and_bad_input():
    assert render_markdown("") == ""
    with pytest.raises(InvalidInput, match="Markdown string"):
        render_markdown(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="limit"):
        render_markdown("a" * 300_000)


def test_display_math_inside_a_sentence_stays_in_the_paragraph():
    html = render_markdown("so $$h_t = W h_{t-1}$$ holds")
    assert html.startswith("<p>so ") and html.endswith(" holds</p>")
    assert html.count("<p>") == 1 and "<div" not in html
    assert 'display="block"' in html


def test_math_in_code_is_left_alone_and_escaped_dollars_are_text():
    html = render_markdown(r"`$x$` costs \$5")
    assert "<code>$x$</code>" in html and "<math" not in html and "$5" in html


def test_html_inside_latex_text_cannot_escape_the_sanitiser():
    html = render_markdown(
        r"$\text{<img src=x onerror=alert(1)>}$ and $\href{javascript:alert(1)}{x}$"
    )
    assert "onerror" not in html and "javascript" not in html and "<img" not in html


def test_rendering_is_thread_safe():
    from concurrent.futures import ThreadPoolExecutor

    texts = [
        f"Step {i}: $h_{i} = \\tanh(W h_{{{i - 1}}})$\n\n| t | h |\n|---|---|\n| {i} | 0.5 |"
        for i in range(40)
    ]
    expected = [render_markdown(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(render_markdown, texts)) == expected
