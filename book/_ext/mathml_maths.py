"""The book's maths as MathML, written at build time.

MyST's dollarmath gives Sphinx ``math`` and ``math_block`` nodes (notebook ``text/latex``
outputs become ``math_block`` too). This renderer writes each as a MathML Core ``<math>``
element with latex2mathml; current browsers lay MathML out themselves, so a page with maths
loads no MathJax (1.2 MB of script and its web fonts) and reads the same offline. The TeX
source stays in the element (``alttext`` and an ``application/x-tex`` annotation) for copying
and for tools that read TeX; screen readers read the MathML itself.

A formula latex2mathml cannot convert, or converts only in part (an unknown command kept as
text, an unclosed brace, ``&`` or ``\\\\`` that MathML Core does not lay out), fails the build
with the page and line: raw TeX never reaches a reader.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ElementTree

from docutils import nodes
from docutils.utils import get_source_line
from latex2mathml.converter import convert
from sphinx.errors import ExtensionError
from sphinx.util.math import get_node_equation_number

MATH_ELEMENT = re.compile(r"^(<math\b[^>]*)>(.*)</math>$", re.DOTALL)
COMMAND = re.compile(r"\\[A-Za-z]+")
ESCAPED = re.compile(r"\\[\\{}]")
# \log, \ln, \exp... come out as one <mi> of several letters; TeX puts a thin space between such
# a function and a letter or number after it (\log uv), none before a bracket (\ln(1/\delta)).
FUNCTION_THEN_OPERAND = re.compile(r"(<mi>[A-Za-z]{2,}</mi>)(?=<m[in]\b)")


def braces_balanced(tex: str) -> bool:
    """latex2mathml closes a group left open at the end (\\frac{a}{b) without a word."""
    depth = 0
    for character in ESCAPED.sub("", tex):
        depth += {"{": 1, "}": -1}.get(character, 0)
        if depth < 0:
            return False
    return depth == 0


class MathsError(ValueError):
    """A TeX formula that cannot be shown as MathML."""


def conversion_problem(mathml: str) -> str | None:
    """What is wrong with latex2mathml's output, or None when it is complete MathML."""
    try:
        root = ElementTree.fromstring(mathml)
    except ElementTree.ParseError as error:
        return (f"latex2mathml wrote malformed MathML ({error}): an '&' outside a matrix or "
                "cases environment (alignment, or \\& in \\text) is not supported")
    for text in root.itertext():
        command = COMMAND.search(text)
        if command:
            return f"'{command.group()}' was not understood and would show as raw text"
    if "linebreak=" in mathml:
        return r"line breaks (\\) are not laid out by browsers: write one formula per $$ block"
    return None


def tex_to_mathml(tex: str, display: str = "inline") -> str:
    """One TeX formula as a MathML element carrying its source; MathsError if it cannot be."""
    tex = tex.strip()
    if not tex:
        raise MathsError("empty formula")
    if not braces_balanced(tex):
        raise MathsError(f"cannot convert '{tex}' to MathML: its braces {{ }} are unbalanced")
    try:
        mathml = convert(tex, display=display)
    except Exception as error:  # latex2mathml's own errors and e.g. IndexError on bad input
        raise MathsError(f"cannot convert '{tex}' to MathML: {type(error).__name__} "
                         f"{error}".rstrip()) from None
    problem = conversion_problem(mathml)
    if problem:
        raise MathsError(f"cannot convert '{tex}' to MathML: {problem}")
    mathml = FUNCTION_THEN_OPERAND.sub(r'\1<mspace width="0.167em"></mspace>', mathml)
    start, inner = MATH_ELEMENT.match(mathml).groups()
    if len(ElementTree.fromstring(mathml)) != 1:  # <semantics> presents its first child only
        inner = f"<mrow>{inner}</mrow>"
    source = html.escape(" ".join(tex.split()), quote=True)
    return (f'{start} alttext="{source}"><semantics>{inner}'
            f'<annotation encoding="application/x-tex">{source}</annotation>'
            f"</semantics></math>")


def render(translator, node, tex: str, display: str) -> str:
    try:
        return tex_to_mathml(tex, display)
    except MathsError as error:
        docname = translator.builder.current_docname
        source, line = get_source_line(node)
        where = f"{source or translator.builder.env.doc2path(docname)}:{line or '?'}"
        raise ExtensionError(f"{where} (page {docname}): {error}. Correct the formula.") from None


def visit_math(translator, node: nodes.math) -> None:
    translator.body.append(render(translator, node, node.astext(), "inline"))
    raise nodes.SkipNode


# pydata-sphinx-theme centres div.math in a flex box that hides what overflows: a formula wider
# than a phone lost both ends. A block box scrolls instead (block <math> centres itself).
BLOCK_STYLE = "display: block; overflow-x: auto"


def visit_math_block(translator, node: nodes.math_block) -> None:
    translator.body.append(translator.starttag(node, "div", CLASS="math", style=BLOCK_STYLE))
    if node.get("number"):
        number = get_node_equation_number(translator, node)
        translator.body.append(f'<span class="eqno">({number})')
        translator.add_permalink_ref(node, "Link to this equation")
        translator.body.append("</span>")
    # Sphinx's convention: paragraphs of one math block are separate formulas.
    for part in node.astext().split("\n\n"):
        if part.strip():
            translator.body.append(render(translator, node, part, "block"))
    translator.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_math_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
