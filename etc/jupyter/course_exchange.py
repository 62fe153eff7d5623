"""nbgrader settings both roles share (loaded by etc/jupyter/<role>/nbgrader_config.py).

One person on their own machine has no shared exchange (nbgrader's default, /srv/nbgrader/
exchange, does not exist there, and its panels then show "exchange directory does not exist" and
"Error fetching courses!"): the course keeps a local exchange in grading/exchange/ instead.
"""

from pathlib import Path

course_root = Path(__file__).resolve().parents[2]
exchange = course_root / "grading" / "exchange"
exchange.mkdir(parents=True, exist_ok=True)

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.CourseDirectory.course_id = "customs-data-analytics"
c.Exchange.root = str(exchange)
