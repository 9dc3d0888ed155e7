"""Where a coroutine waits, as a person reads it: the program's own line."""
import asyncio
import os

_ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
_SHIM_DIR = os.path.dirname(os.path.abspath(__file__))


def _is_program_frame(frame):
    path = frame.f_code.co_filename
    return not path.startswith(_ASYNCIO_DIR) and not path.startswith(_SHIM_DIR)


def frame_text(frame):
    """'file.py:12 (function)'."""
    name = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno} ({name})"


def site_of(coro):
    """The innermost frame of the await chain in the program's own code (asyncio's and the
    shim's frames are skipped)."""
    return program_site_of(coro)[0]


def program_site_of(coro):
    """(site, True if the chain has a frame of the program's own; else asyncio's task)."""
    innermost, best = None, None
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        innermost = frame
        if _is_program_frame(frame):
            best = frame
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    frame = best or innermost
    return ("?" if frame is None else frame_text(frame)), best is not None


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
    path = code.co_filename if code is not None else ""
    return not path.startswith(_ASYNCIO_DIR) and not path.startswith(_SHIM_DIR)
