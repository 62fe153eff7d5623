"""The pilot kit: run the level 4 and 5 pilots on an administration's own declarations (issue 18).

``mapping`` reads the YAML file that maps an administration's columns to the course's schema
(``canonical``); ``ingest`` checks a file against it and writes the canonical table
(:func:`customs_course.pilot.ingest.map_to_canonical`); ``foreign`` writes sandbox data the way
another administration would hold it, for the tests and the benchmark; ``run`` executes the
pilot notebooks on the canonical table and ``report`` writes the leaders' report.
"""
