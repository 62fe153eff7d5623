"""How the self-check answers of level 2 are computed from the sandbox data (maintainers only).

modules/level2_secretariat/selfcheck.yml stores only salted hashes of these answers. After a
change to the data or a question, run ``customs-course selfcheck update``; a test fails while a
stored hash and its recipe disagree.
"""

from customs_course.datasets import load_dataset


def small_declarations():
    return load_dataset("declarations", edition="small")


RECIPES = {
    "l2-1-declarations": lambda: small_declarations()["declaration_id"].nunique(),
    "l2-1-inspected-share": lambda: small_declarations()["inspected"].mean(),
    "l2-1-top-origins": lambda: list(
        small_declarations()["origin_country"].value_counts().head(5).index
    ),
}
