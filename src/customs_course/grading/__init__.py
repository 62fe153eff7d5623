"""The instructor's grading workflow over nbgrader, one stage per module.

- :mod:`.roster`: read a class list (CSV), record the students in the gradebook;
- :mod:`.intake`: archive a folder or zip of submissions, map file names to student ids;
- :mod:`.checks`: classify each submission before grading (and read the autograded notebook);
- :mod:`.autograde`, :mod:`.pool`, :mod:`.worker`: N parallel workers, resumable;
- :mod:`.feedback`: HTML per student, scores and visible test messages, no hidden test;
- :mod:`.export`: grades CSV for an LMS, summary table and plot;
- :mod:`.simulate`: a class with every kind of submission, to try it all on.

Statuses are in :mod:`.status`, folders and gradebook access in :mod:`.course`, the assignment's
expected cells in :mod:`.layout`, the per-student ledger in :mod:`.results`, the CLI commands in
:mod:`.commands`. The command line (``customs-course grade ...``) is a thin layer over one
function per stage: ``roster.import_roster``, ``intake.collect_submissions``,
``autograde.autograde``, ``feedback.generate_feedback``, ``export.export_grades`` and
``simulate.simulate_class``. Nothing is imported here, so that ``customs-course --help`` stays
fast.
"""
