"""Exact answers for the graded tests: a test compares only builtin and numpy values.

A graded test runs in the student's Python process, after the student's code. Comparing the
student's object itself (``answer == expected``) lets that object decide: a subclass of
``float`` whose ``__eq__`` is always true, an object whose ``__bool__`` is True, a Series whose
``equals`` was replaced. So a test first converts each answer here:

- :func:`exact_int`, :func:`exact_float`, :func:`exact_str`, :func:`exact_bool`: the answer's
  type must be exactly a builtin or numpy scalar type (``type(x) is ...``, never
  ``isinstance``: a subclass can override any comparison); a builtin value comes back;
- :func:`exact_array`: exactly a ``numpy.ndarray`` of booleans, numbers (or, elementwise
  checked, text);
- :func:`exact_series`, :func:`exact_frame`: exactly a pandas ``Series`` / ``DataFrame``,
  returned as index and column labels in plain lists and values in numpy arrays;
- :func:`assert_close`: compares such values with numpy's operators only.

Every function first checks (:func:`check_libraries`) that no function of pandas, numpy or
``math`` was replaced by code from elsewhere, since converting a frame calls pandas, and that
the functions of the course's data, metric and disclosure modules (``load_dataset``,
``precision_at_k``...) and of OpenDP, which the tests use to recompute their expected values,
are still the ones found when this module was imported (same function, same ``__code__``). Pandas
methods are called through the class (``pd.Series.to_numpy(s)``), so a method set on one object
is ignored.

The expected values are the test's to recompute, from data it loads itself (a fresh
``load_dataset(...)``), never from a name of the notebook, which the student can rebind.

A wrong answer raises ``AssertionError`` with a message that names the answer and what was
wanted, never the expected value. Limits: this runs in the student's process; code written
against this very module (one that forges the file names of its functions, say) is left to the
grader's integrity probes, which watch the names the test cells use, ``answers`` included.
The grading notebooks import this module in their set-up cell, before any student code runs,
so the types it keeps are the real ones.
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

INT_TYPES = (int, np.int8, np.int16, np.int32, np.int64,
             np.uint8, np.uint16, np.uint32, np.uint64)
FLOAT_TYPES = (float, np.float16, np.float32, np.float64)
STR_TYPES = (str, np.str_)
BOOL_TYPES = (bool, np.bool_)
#: the pandas classes an answer may be, taken when the set-up cell imports this module
SERIES, FRAME = pd.Series, pd.DataFrame
INDEX_TYPES = (pd.Index, pd.RangeIndex, pd.MultiIndex, pd.CategoricalIndex, pd.DatetimeIndex)
#: where the code of pandas, numpy and the standard library lives
TRUSTED_DIRS = tuple(os.path.dirname(m.__file__) + os.sep for m in (np, pd, os))
#: the type of pandas' compiled (Cython) functions, which no notebook cell can create
CYTHON_FUNCTION = type(pd.api.types.infer_dtype)
LIBRARIES = {"numpy": np, "pandas": pd, "pandas.testing": pd.testing,
             "pandas.api.types": pd.api.types, "math": math}

#: the course's modules whose functions the tests call to recompute expected values
COURSE_MODULES = ("customs_course.datasets", "customs_course.metrics",
                  "customs_course.disclosure", "customs_course.targeting")
#: packages whose functions are fingerprinted when this module is imported (if loaded by then)
GUARDED_PACKAGES = ("customs_course", "opendp")


def _is(x, types: tuple) -> bool:
    """True if ``x``'s type is exactly one of ``types`` (identity: no metaclass can fake it)."""
    kind = type(x)
    return any(kind is t for t in types)


def _kind(x) -> str:
    return type.__dict__["__name__"].__get__(type(x))


def _wrong(name: str, wanted: str, x, hint: str = "") -> AssertionError:
    return AssertionError(f"{name} should be {wanted}, got {_kind(x)}{hint}")


def _foreign_code(value) -> bool:
    """True if ``value`` runs Python code written outside pandas, numpy and the stdlib."""
    if isinstance(value, property):
        return any(_foreign_code(f) for f in (value.fget, value.fset, value.fdel) if f)
    if isinstance(value, (classmethod, staticmethod, functools.cached_property)):
        return _foreign_code(value.__func__ if hasattr(value, "__func__") else value.func)
    if isinstance(value, functools.partial):
        return _foreign_code(value.func)
    if isinstance(value, type) or type(value) is CYTHON_FUNCTION or not callable(value):
        return False
    code = getattr(getattr(value, "__func__", value), "__code__", None)
    if code is None:  # a C function, or an object with a __call__ method
        call = next((vars(c)["__call__"] for c in type(value).__mro__ if "__call__" in vars(c)),
                    None)
        code = getattr(call, "__code__", None)
    return code is not None and not code.co_filename.startswith(TRUSTED_DIRS)


def _namespaces():
    yield from LIBRARIES.items()
    seen = set()
    for cls in (SERIES, FRAME, *INDEX_TYPES):
        for base in cls.__mro__:
            if base.__module__.startswith("pandas") and base not in seen:
                seen.add(base)
                yield f"pandas {base.__name__}", base


def _guarded():
    """(namespace, name, function) for the functions of the guarded modules and their classes."""
    for module_name, module in list(sys.modules.items()):
        if (module is None or module_name.split(".")[0] not in GUARDED_PACKAGES
                or module_name.startswith("customs_course.grading") or module_name == __name__):
            continue
        for key, value in list(vars(module).items()):
            if isinstance(value, type) and value.__module__ == module_name:
                for attr, member in list(vars(value).items()):
                    if callable(member) or isinstance(member, (property, classmethod,
                                                               staticmethod)):
                        yield value, attr, member
            elif callable(value):
                yield module, key, value


def _parts(value) -> tuple:
    """What a call of ``value`` runs: its code, defaults and keyword defaults (by identity)."""
    func = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
    return tuple(getattr(func, a, None) for a in ("__code__", "__defaults__", "__kwdefaults__"))


for _name in COURSE_MODULES:
    importlib.import_module(_name)
#: (namespace, name) -> (function, its parts), taken before any student code runs
FINGERPRINTS = {(ns, key): (value, _parts(value)) for ns, key, value in _guarded()}
_MISSING = object()


def _check_course_functions() -> None:
    for (namespace, key), (value, parts) in FINGERPRINTS.items():
        now = vars(namespace).get(key, _MISSING)
        if now is not value or any(a is not b for a, b in zip(_parts(now), parts, strict=True)):
            where = getattr(namespace, "__qualname__", None) or namespace.__name__
            raise AssertionError(
                f"{where}.{key} was changed by the notebook: the tests cannot trust the "
                "course's functions any more. Restart the kernel and run the notebook without "
                "changing them"
            )

def check_libraries() -> None:
    """Raise ``AssertionError`` if a class or function of pandas, numpy or math was replaced,
    or a function of the course's modules (or OpenDP) changed since this module was imported."""
    if pd.Series is not SERIES or pd.DataFrame is not FRAME:
        raise AssertionError("pandas' Series or DataFrame was replaced: the tests cannot run")
    _check_course_functions()
    for where, namespace in _namespaces():
        for key, value in list(vars(namespace).items()):
            if _foreign_code(value):
                raise AssertionError(
                    f"{where}.{key} was replaced by the notebook's own code: the tests cannot "
                    "trust pandas and numpy any more. Restart the kernel and run the notebook "
                    "without changing the libraries"
                )


def exact_int(x, name: str) -> int:
    """``x`` as a builtin ``int``, if its type is exactly a builtin or numpy integer."""
    check_libraries()
    if not _is(x, INT_TYPES):
        raise _wrong(name, "a whole number (int)", x, ": wrap the count in int(...)")
    return int(x)


def exact_float(x, name: str) -> float:
    """``x`` as a builtin ``float``, if its type is exactly a builtin or numpy number."""
    check_libraries()
    if not _is(x, FLOAT_TYPES + INT_TYPES):
        raise _wrong(name, "a number (int or float, written without quotes)", x)
    return float(x)


def exact_str(x, name: str) -> str:
    """``x`` as a builtin ``str``, if its type is exactly ``str`` or ``numpy.str_``."""
    check_libraries()
    if not _is(x, STR_TYPES):
        raise _wrong(name, 'text in quotes, such as "A"', x)
    return str.__str__(x)


def exact_bool(x, name: str) -> bool:
    """``x`` as a builtin ``bool``, if its type is exactly ``bool`` or ``numpy.bool_``."""
    check_libraries()
    if not _is(x, BOOL_TYPES):
        raise _wrong(name, "True or False", x)
    return bool(x)


def _label(x, name: str):
    """A label or a text value as a builtin value (a tuple for a MultiIndex)."""
    if _is(x, STR_TYPES):
        return str.__str__(x)
    if _is(x, BOOL_TYPES):
        return bool(x)
    if _is(x, INT_TYPES):
        return int(x)
    if _is(x, FLOAT_TYPES):
        return float(x)
    if _is(x, (pd.Timestamp,)):
        return pd.Timestamp.isoformat(x)
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if type(x) is tuple:
        return tuple(_label(v, name) for v in x)
    raise _wrong(name, "made of text, numbers or dates", x)


def _labels(index, name: str) -> list:
    if not _is(index, INDEX_TYPES):
        raise _wrong(f"the index of {name}", "a pandas Index", index)
    return [_label(v, f"the index of {name}") for v in pd.Index.tolist(index)]


def _array(values, name: str) -> np.ndarray:
    """Check an array: numbers, booleans or dates as they are; text elementwise, as objects."""
    if type(values) is not np.ndarray:
        raise _wrong(name, "a numpy array", values)
    if values.dtype.kind in "biufmM":
        return values
    if values.dtype.kind in "OUS":
        return np.array([_label(v, f"each value of {name}") for v in values.ravel().tolist()],
                        dtype=object).reshape(values.shape)
    raise _wrong(name, "numbers, True/False or text", values)


def exact_array(x, name: str) -> np.ndarray:
    """``x`` itself if it is exactly a ``numpy.ndarray`` of booleans, numbers, dates or text."""
    check_libraries()
    return _array(x, name)


@dataclass(frozen=True)
class PlainSeries:
    """A Series as a list of builtin labels and a numpy array of values."""

    index: list
    values: np.ndarray

    def to_pandas(self) -> pd.Series:
        """A new Series built from these plain values (the student's object is not used)."""
        return SERIES(self.values, index=pd.Index(self.index))


@dataclass(frozen=True)
class PlainFrame:
    """A DataFrame as lists of builtin labels and one numpy array per column."""

    index: list
    columns: list
    data: dict

    def __getitem__(self, column) -> np.ndarray:
        return self.data[column]

    def to_pandas(self) -> pd.DataFrame:
        """A new DataFrame built from these plain values (the student's object is not used)."""
        return FRAME(self.data, index=pd.Index(self.index), columns=list(self.data))


def _series_values(series, name: str) -> np.ndarray:
    dtype = SERIES.dtype.__get__(series)
    if isinstance(dtype, np.dtype) or not (pd.api.types.is_numeric_dtype(dtype)
                                       or pd.api.types.is_bool_dtype(dtype)):
        values = SERIES.to_numpy(series)
    else:  # pandas' nullable Int64, Float64, boolean: missing values become NaN
        values = SERIES.to_numpy(series, dtype=float, na_value=np.nan)
    return _array(values, name)


def exact_series(x, name: str) -> PlainSeries:
    """``x`` as plain labels and values, if it is exactly a pandas ``Series``."""
    check_libraries()
    if type(x) is not SERIES:
        raise _wrong(name, "a pandas Series", x)
    return PlainSeries(_labels(SERIES.index.__get__(x), name), _series_values(x, name))


def exact_frame(x, name: str, columns: list | None = None, *, hint: str = "") -> PlainFrame:
    """``x`` as plain labels and one array per column, if it is exactly a pandas ``DataFrame``.

    With ``columns``, only those (which must all be present) are kept, in that order; ``hint``
    is added to the message that names the missing ones.
    """
    check_libraries()
    if type(x) is not FRAME:
        raise _wrong(name, "a pandas DataFrame", x)
    present = _labels(FRAME.columns.__get__(x), f"{name} (its column names)")
    if len(set(present)) != len(present):
        raise AssertionError(f"{name} has two columns with the same name: give each its own")
    wanted = present if columns is None else list(columns)
    missing = [c for c in wanted if c not in present]
    if missing:
        raise AssertionError(f"{name} lacks the column(s) {missing}; it has {present}{hint}")
    data = {}
    for column in wanted:
        series = FRAME.__getitem__(x, column)
        data[column] = _series_values(series, f"the column {column} of {name}")
    return PlainFrame(_labels(FRAME.index.__get__(x), name), present, data)


def assert_close(got, expected, message: str, *, rel: float = 0.0, tol: float = 0.0) -> None:
    """Raise ``AssertionError(message)`` unless ``got`` and ``expected`` agree.

    Both are builtin numbers or numpy arrays (from the functions above, and recomputed by the
    test); they agree when they have the same shape, missing values (NaN) in the same places
    and ``|got - expected| <= tol + rel * |expected|`` everywhere else.
    """
    check_libraries()
    got = np.array(got, dtype=float)
    expected = np.array(expected, dtype=float)
    if got.shape != expected.shape:
        raise AssertionError(message)
    missing = expected != expected
    if ((got != got) != missing).any():
        raise AssertionError(message)
    gap = abs(got - expected)[~missing]
    if not (gap <= tol + rel * abs(expected[~missing])).all():
        raise AssertionError(message)
