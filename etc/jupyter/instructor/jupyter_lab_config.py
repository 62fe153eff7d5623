# JupyterLab's defaults for the course (both roles): a double click opens a lesson (MyST Markdown)
# as a notebook through Jupytext. JupyterLab reads setting overrides only from its application
# settings folder, so the course points that folder at its own (../lab-settings/overrides.json).
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent.parent / "lab-settings")
