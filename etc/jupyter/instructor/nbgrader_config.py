# An instructor: the course's grading configuration and its local exchange.
load_subconfig("../../../grading/nbgrader_config.py")  # noqa: F821 (provided by traitlets)
load_subconfig("../course_exchange.py")  # noqa: F821
