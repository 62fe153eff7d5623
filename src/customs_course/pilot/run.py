"""Run the pilot notebooks on a canonical declarations file and write the leaders' report.

``customs-course pilot run DATA MAPPING --out DIR`` maps the administration's file to the
course's schema (a canonical Parquet file) and then calls :func:`run_pilots`, which

1. checks the canonical file (readable, not empty, the columns the pilots need) and the output
   folder (new or empty, unless ``force``: then only the pilots' own outputs are replaced);
2. executes each pilot notebook shipped with the package (``notebooks/*.ipynb``) with papermill
   into ``DIR/notebooks/``; each publishes its tables and figures, checked for disclosure, into
   ``DIR/results/<pilot>/`` (see :mod:`customs_course.pilot.report`);
3. writes ``DIR/report.html`` and, where a Chromium is found, ``DIR/report.pdf``.

Local by design: nothing leaves the machine, and nothing is written outside ``DIR``. The
kernels' runtime files, matplotlib's and IPython's caches, temporary files and DuckDB's spill
files go to a scratch folder inside ``DIR``, removed at the end.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from customs_course.datasets.editions import sha256_of
from customs_course.pilot.report import RULES, find_chromium, write_pdf, write_report

__all__ = ["PILOTS", "REQUIRED_COLUMNS", "PilotError", "run_pilots", "sha256_of"]

log = logging.getLogger(__name__)

#: The pilot notebooks, in the order they run and appear in the report.
PILOTS = ("quality", "valuation", "targeting", "clearance")
#: The columns of the course's declaration schema that the pilots read.
REQUIRED_COLUMNS = (
    "declaration_id", "lodgement_date", "office", "procedure", "mode_of_transport",
    "importer_id", "declarant_id", "hs6", "origin_country", "departure_country", "quantity",
    "net_mass_kg", "fob_value", "customs_value", "tariff_rate", "preference_claimed",
    "risk_channel", "inspected", "inspection_outcome",
)
OUTPUTS = ("notebooks", "results", "report.html", "report.pdf")  # what force may replace
SCRATCH = ".pilot-scratch"
DEFAULT_BUDGETS = (0.01, 0.05, 0.10)


class PilotError(Exception):
    """The pilots cannot run on this input or into this folder; the message says what to do."""



def check_canonical(canonical: Path) -> int:
    """The number of lines of the canonical file; PilotError when it cannot be used."""
    import duckdb

    if not canonical.is_file():
        raise PilotError(f"{canonical} is not a file: give the canonical Parquet file that "
                         "`customs-course pilot run` writes from your data and mapping")
    con = duckdb.connect()
    try:
        relation = con.read_parquet(str(canonical))
        columns = set(relation.columns)
        counts = ("count(*), count(DISTINCT importer_id)" if "importer_id" in columns
                  else "count(*), 0")
        n_lines, n_importers = relation.aggregate(counts).fetchall()[0]
    except duckdb.Error as error:
        raise PilotError(f"{canonical} cannot be read as Parquet ({error.__class__.__name__}): "
                         "map your data to the course's schema first "
                         "(`customs-course pilot check DATA MAPPING`)") from None
    finally:
        con.close()
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise PilotError(f"{canonical} has no column {', '.join(missing)}; the pilots need "
                         f"them. Map them in the mapping file (see `customs-course pilot "
                         f"template`), or declare them missing there so they are written empty")
    if n_lines == 0:
        raise PilotError(f"{canonical} has no lines: there is nothing to run the pilots on")
    if n_importers == 0:
        raise PilotError(f"importer_id is empty on every line of {canonical}: the disclosure "
                         "rules count importers behind each figure; map your importer column")
    if n_importers < RULES["min_contributors"]:
        # even the totals would describe one or two importers' business
        raise PilotError(f"{canonical} holds {n_importers} importer(s): a report on fewer than "
                         f"{RULES['min_contributors']} could not publish any figure under the "
                         "disclosure rules")
    return int(n_lines)


def prepare_output(out_dir: Path, *, force: bool, canonical: Path | None = None) -> None:
    """Create ``out_dir``, or refuse a non-empty one unless ``force`` (then the pilots' previous
    outputs in it are replaced and every other file is kept). The canonical file itself may
    already be in ``out_dir`` (``pilot run`` writes it there)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise PilotError(f"{out_dir} is a file: give a folder for the pilots' outputs")
    if out_dir.is_dir() and any(path != canonical for path in out_dir.iterdir()):
        if not force:
            raise PilotError(f"{out_dir} exists and is not empty: choose a new folder, or pass "
                             "--force to replace the pilots' previous outputs in it (notebooks/, "
                             "results/, report.html, report.pdf; other files are kept)")
        for name in OUTPUTS:
            path = out_dir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


@contextmanager
def confined_environment(scratch: Path) -> Iterator[None]:
    """Point the kernels' runtime, caches and temporary files at ``scratch``; restore after."""
    folders = {"JUPYTER_RUNTIME_DIR": "runtime", "MPLCONFIGDIR": "matplotlib",
               "IPYTHONDIR": "ipython", "TMPDIR": "tmp", "XDG_CACHE_HOME": "cache"}
    saved = {name: os.environ.get(name) for name in [*folders, "MPLBACKEND"]}
    saved_tempdir = tempfile.tempdir  # Python caches the temporary folder on first use
    for name, folder in folders.items():
        (scratch / folder).mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(scratch / folder)
    os.environ["MPLBACKEND"] = "Agg"
    try:
        yield
    finally:
        tempfile.tempdir = saved_tempdir
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _execute(name: str, canonical: Path, out_dir: Path, scratch: Path,
             budgets: Sequence[float], timeout: int | None) -> str | None:
    """Run one pilot notebook; None when it ran, else why it failed."""
    import papermill

    target = out_dir / "notebooks" / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    parameters = {"canonical": str(canonical), "out_dir": str(out_dir / "results" / name),
                  "work_dir": str(scratch / "tmp"), "budgets": [float(b) for b in budgets]}
    source = resources.files("customs_course.pilot") / "notebooks" / f"{name}.ipynb"
    with resources.as_file(source) as path:
        try:
            papermill.execute_notebook(
                str(path), str(target), parameters=parameters, cwd=str(scratch),
                kernel_name="python3", progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, execution_timeout=timeout)
        except papermill.PapermillExecutionError as error:
            return (f"{error.ename}: {error.evalue} (the executed notebook "
                    f"notebooks/{name}.ipynb shows the failing cell)")
    return None


def _report(out_dir: Path, canonical: Path, n_lines: int, provenance: Mapping,
            failures: Mapping[str, str], *, pdf: bool, scratch: Path) -> Path:
    """Write report.html (and report.pdf when asked for and a Chromium is found)."""
    facts = {key: value for key, value in provenance.items()
             if isinstance(value, (str, int, float)) and not isinstance(value, bool)}
    facts["canonical_sha256"] = sha256_of(canonical)
    facts["canonical_lines"] = f"{n_lines:,}"
    chromium = find_chromium() if pdf else None
    pdf_note = "" if chromium else ("no PDF: no Chromium was found on this machine"
                                    if pdf else "no PDF: not asked for")
    report = write_report(out_dir, facts, results=out_dir / "results", failures=failures,
                          pdf_note=pdf_note)
    if chromium:
        printed, why_not = write_pdf(report, work=scratch)
        if printed is None:
            write_report(out_dir, facts, results=out_dir / "results", failures=failures,
                         pdf_note=f"no PDF: {why_not}")
    return report


def run_pilots(canonical: Path, out_dir: Path, provenance: Mapping, *,
               budgets: Sequence[float] = DEFAULT_BUDGETS, force: bool = False,
               timeout: int | None = 3600, pdf: bool = True,
               pilots: Sequence[str] = PILOTS) -> Path:
    """Run every pilot on ``canonical`` into ``out_dir`` and write the report; return its path.

    Parameters
    ----------
    canonical : Path
        Declarations in the course's schema (Parquet), as ``map_to_canonical`` writes them.
    out_dir : Path
        New or empty folder for the executed notebooks, the published tables and the report.
    provenance : mapping
        What produced ``canonical``: the input file's name and sha256, the mapping's name and
        sha256 (``map_to_canonical`` returns it). Its text and number values go into the
        report; the canonical file's own sha256 is added here.
    budgets : sequence of float, default=(0.01, 0.05, 0.10)
        Shares of lines that controls can cover, for the valuation and targeting pilots.
    force : bool, default=False
        Accept a non-empty ``out_dir``: the pilots' previous outputs are replaced, other files
        kept.
    timeout : int or None, default=3600
        Seconds a notebook cell may run.
    pdf : bool, default=True
        Print the report to PDF with headless Chromium when one is found.
    pilots : sequence of str, default=PILOTS
        The pilots to run (all of them unless a quicker run is wanted).

    Raises
    ------
    PilotError
        On an unusable input or output folder (nothing is written then), or when a pilot
        failed (after the report, which says which one and why, was written).
    """
    canonical, out_dir = Path(canonical).resolve(), Path(out_dir).resolve()
    if not all(0 < float(b) <= 1 for b in budgets) or not budgets:
        raise PilotError(f"budgets are shares of lines, each in (0, 1]: got {list(budgets)}")
    unknown = [name for name in pilots if name not in PILOTS]
    if unknown or not pilots:
        raise PilotError(f"unknown pilot(s) {unknown}: choose among {', '.join(PILOTS)}")
    n_lines = check_canonical(canonical)
    prepare_output(out_dir, force=force, canonical=canonical)
    scratch = out_dir / SCRATCH
    failures: dict[str, str] = {}
    try:
        with confined_environment(scratch):
            for name in [name for name in PILOTS if name in pilots]:
                log.info("running the %s pilot on %s lines", name, f"{n_lines:,}")
                failure = _execute(name, canonical, out_dir, scratch, budgets, timeout)
                if failure:
                    log.error("the %s pilot failed: %s", name, failure)
                    failures[name] = failure
        report = _report(out_dir, canonical, n_lines, provenance, failures,
                         pdf=pdf, scratch=scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if failures:
        raise PilotError(f"{len(failures)} pilot(s) failed ({', '.join(failures)}); the report "
                         f"{report} says why, and the executed notebooks show the cell")
    return report
