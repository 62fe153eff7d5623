"""nbgrader configuration of the course.

solutions/ is nbgrader's source folder and exercises/ its release folder; everything nbgrader
writes while grading (submissions, autograded copies, feedback, the SQLite gradebook) stays
under grading/ and is not committed. Run plain ``nbgrader`` commands from this folder, or use
``customs-course``, which loads this file.
"""

from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

course_root = Path(__file__).resolve().parent.parent

c.CourseDirectory.course_id = "customs-data-analytics"
c.CourseDirectory.root = str(course_root)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.db_url = f"sqlite:///{course_root / 'grading' / 'gradebook.db'}"

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ExecutePreprocessor.timeout = 120
