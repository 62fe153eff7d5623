# A learner on their own machine: the course's local exchange (see ../course_exchange.py).
load_subconfig("../course_exchange.py")  # noqa: F821 (provided by traitlets)
