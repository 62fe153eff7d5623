"""The class hub: JupyterHub on one server, nbgrader's exchange between instructor and learners.

``customs-course hub start --roster ROSTER.csv --data-dir DIR`` starts it (see
``book/guides/class_hub.md``). Everything the hub keeps lives in the data folder
(:mod:`customs_course.hub.datadir`), so a backup copies that one folder.
"""
