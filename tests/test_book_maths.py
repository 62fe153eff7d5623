"""Is the book's maths written as MathML at build time, and does a bad formula stop the build?
(book/_ext/mathml_maths.py; the pages themselves are checked in Chromium by test_book.py.)"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from mathml_maths import MathsError, tex_to_mathml  # noqa: E402 (the book's extension)

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def test_is_a_fraction_written_as_mathml_with_its_tex_source():
    tex = r"\text{precision@}k = \frac{\text{irregular}}{k}"
    mathml = tex_to_mathml(tex, "block")
    root = ElementTree.fromstring(mathml)
    assert root.tag == f"{MATHML}math" and root.get("display") == "block"
    assert root.get("alttext") == tex
    [semantics] = root
    presented, annotation = semantics  # <semantics> shows its first child only
    assert annotation.tag == f"{MATHML}annotation" and annotation.text == tex
    assert annotation.get("encoding") == "application/x-tex"
    [fraction] = presented.iter(f"{MATHML}mfrac")
    assert [t.text for t in fraction.iter(f"{MATHML}mi")] == ["k"]
    assert "\\" not in "".join(presented.itertext())


def test_is_inline_maths_inline_and_its_source_escaped():
    mathml = tex_to_mathml(r"x < e^{\varepsilon}")
    root = ElementTree.fromstring(mathml)
    assert root.get("display") == "inline" and root.get("alttext") == r"x < e^{\varepsilon}"
    assert "\u03b5" in "".join(root.itertext())  # ε, not the command


def test_is_a_function_name_spaced_from_its_argument_as_tex_does():
    spaced = tex_to_mathml(r"\log uv - \ln(x)")
    assert '<mi>log</mi><mspace width="0.167em"></mspace><mi>u</mi>' in spaced
    assert "<mi>ln</mi><mo" in spaced  # no space before a bracket


@pytest.mark.parametrize(("tex", "says"), [
    (r"\frac{1}{", "cannot convert '\\frac{1}{'"),
    (r"\frac{a}{b", "braces { } are unbalanced"),  # latex2mathml alone closes it silently
    (r"\{a} \}", "braces { } are unbalanced"),
    (r"\left( x", "ExtraLeftOrMissingRightError"),
    (r"e^\varepslon", "'\\varepslon' was not understood"),  # a typo kept as text otherwise
    (r"\text{a \foo b}", "'\\foo' was not understood"),
    ("x }", "unbalanced"),
    (r"a &= b", "'&'"),  # written unescaped by latex2mathml: malformed MathML otherwise
    (r"a \\ b", "line breaks"),
    ("  ", "empty formula"),
])
def test_does_a_formula_that_cannot_be_shown_raise_a_clear_error(tex, says):
    with pytest.raises(MathsError) as error:
        tex_to_mathml(tex)
    assert says in str(error.value)


def sphinx_build(source: Path) -> subprocess.CompletedProcess:
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['myst_parser', 'mathml_maths']\n"
        "myst_enable_extensions = ['dollarmath']\nhtml_math_renderer = 'mathml'\n"
        "myst_update_mathjax = False\n"
    )
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-E", "-q", "-W", str(source),
         str(source / "_build")],
        capture_output=True, text=True,
    )


def test_does_the_book_show_block_maths_as_a_block_and_stop_at_a_bad_formula(tmp_path):
    (tmp_path / "index.md").write_text("# Maths\n\n- [page](page.md)\n\n```{toctree}\npage\n```\n")
    (tmp_path / "page.md").write_text(
        "# Page\n\nInline $e^\\varepsilon$ and a block:\n\n$$\n\\frac{a}{b}\n$$\n")
    built = sphinx_build(tmp_path)
    assert built.returncode == 0, built.stderr
    html = (tmp_path / "_build" / "page.html").read_text()
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"' in html
    assert re.search(r'<div class="math"[^>]*>\s*<math [^>]*display="block"[^>]*><semantics><mrow>'
                     r"<mfrac>", html)
    assert not re.search(r"<script[^>]*mathjax", html, re.IGNORECASE) and "\\(" not in html

    (tmp_path / "page.md").write_text("# Page\n\nA typo: $\\frac{a}{b$.\n")
    built = sphinx_build(tmp_path)
    assert built.returncode != 0
    message = built.stdout + built.stderr
    assert "page.md:3" in message and "cannot convert '\\frac{a}{b'" in message, message
