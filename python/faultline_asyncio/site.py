"""Where a coroutine waits, as a person reads it: the program's own line."""
import asyncio
import os
import types

_ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
_SHIM_DIR = os.path.dirname(os.path.abspath(__file__))
_COROUTINE, _GENERATOR = types.CoroutineType, types.GeneratorType


# NOTE: per file name, for every frame of every await point: a program has few files, so
# these stay small across runs.
_program_files = {}  # co_filename: True if it is the program's (not asyncio's, not the shim's)
_base_names = {}  # co_filename: its base name


def _is_program_file(path):
    known = _program_files.get(path)
    if known is None:
        known = _program_files[path] = not path.startswith(_ASYNCIO_DIR) and not path.startswith(_SHIM_DIR)
    return known


def _is_program_frame(frame):
    return _is_program_file(frame.f_code.co_filename)


def frame_text(frame):
    """'file.py:12 (function)'."""
    code = frame.f_code
    path = code.co_filename
    base = _base_names.get(path)
    if base is None:
        base = _base_names[path] = os.path.basename(path)
    return f"{base}:{frame.f_lineno} ({getattr(code, 'co_qualname', code.co_name)})"


def site_of(coro):
    """The innermost frame of the await chain in the program's own code (asyncio's and the
    shim's frames are skipped)."""
    return program_site_of(coro)[0]


def program_site_of(coro):
    """(site, True if the chain has a frame of the program's own; else asyncio's task)."""
    innermost, best = _walk(coro)
    frame = best or innermost
    return ("?" if frame is None else frame_text(frame)), best is not None


def innermost_frame(coro):
    """The frame the await chain of `coro` is suspended in (None if it has none)."""
    return _walk(coro)[0]


def _walk(coro):
    """(the innermost frame of the await chain, its innermost frame of the program's own)."""
    # NOTE: at every await point: the walk inlines the file check and tells coroutines and
    # generators by their exact type; anything else (the future a chain ends at, a coroutine of
    # another kind) is asked by attribute, as a missing one costs an exception.
    innermost, best = None, None
    while coro is not None:
        cls = type(coro)
        if cls is _COROUTINE:
            frame, awaiting = coro.cr_frame, coro.cr_await
        elif cls is _GENERATOR:
            frame, awaiting = coro.gi_frame, coro.gi_yieldfrom
        else:
            frame = getattr(coro, "cr_frame", None)
            if frame is not None:
                awaiting = getattr(coro, "cr_await", None)
            else:
                frame, awaiting = getattr(coro, "gi_frame", None), getattr(coro, "gi_yieldfrom", None)
        if frame is None:
            break
        innermost = frame
        path = frame.f_code.co_filename
        known = _program_files.get(path)
        if known is None:
            known = _is_program_file(path)
        if known:
            best = frame
        coro = awaiting
    return innermost, best


def caller_site(frame):
    """The innermost frame of a thread's stack in the program's own code."""
    first = frame
    while frame is not None and not _is_program_frame(frame):
        frame = frame.f_back
    frame = frame or first
    return "?" if frame is None else frame_text(frame)


def is_program_coroutine(coro):
    """True if the coroutine a task runs is the program's own (not one of asyncio's)."""
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    return _is_program_file(code.co_filename if code is not None else "")
