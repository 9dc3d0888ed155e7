"""A printed traceback's lines, kept for the next time the same exception leaves the same code
the same way (warm.py installs it in a runner).

traceback.print_exception builds a TracebackException (a summary of every frame, its source
line and the positions of its ^^^ markers) and formats it: ~0.2-0.4 ms for the tracebacks
asyncio logs when a fault ends a handler, which a campaign prints again and again. The lines
are a function of:
- each exception of the chain: its type's module and name, its text, whether it suppresses its
  context, its cause or context;
- each traceback entry: the code, the instruction and the line number;
- the source of each file shown, as linecache holds it (a file that changed is read again,
  exactly as print_exception does, and gives other lines);
- the limit given and sys.tracebacklimit;
- the traceback module's classes and formatting methods: a program that replaces one gets
  print_exception as ever.
What depends on more than that is printed as ever: notes, exception groups, syntax errors,
errors whose text may suggest a name from the frames (NameError, AttributeError,
ImportError, 3.12+), a chain that meets an exception twice, options this memo does not know
(3.13's colorize), and a file whose source linecache does not hold as read from disk.
"""
import linecache
import sys
import traceback

_CACHED_TRACEBACKS = 1024  # tracebacks' lines kept (a campaign prints few distinct ones)

_PRINTED_AS_EVER = (SyntaxError, NameError, AttributeError, ImportError) + (
    (BaseExceptionGroup,) if sys.version_info >= (3, 11) else ())  # noqa: F821 (3.11+ builtin)


class _AsEver(Exception):
    """The traceback is not one this memo can stand for."""


def _chain_key(exc, tb, files, seen):
    """The key of `exc` (and its tb) with its cause or context, as TracebackException(compact=True)
    walks them; the files its frames show are added to `files`."""
    if id(exc) in seen or isinstance(exc, _PRINTED_AS_EVER) or getattr(exc, "__notes__", None) is not None:
        raise _AsEver
    seen.add(id(exc))
    entries = []
    while tb is not None:
        code = tb.tb_frame.f_code
        files[code.co_filename] = None
        entries.append((code, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    # NOTE: TracebackException's own tests, truth value of the exception included
    cause = exc.__cause__ if (exc and exc.__cause__ is not None) else None
    need_context = cause is None and not exc.__suppress_context__
    context = exc.__context__ if (exc and exc.__context__ is not None and need_context) else None
    # NOTE: the type by its module and name, the text it prints: the key holds nothing of the
    # program's run (a class of a module imported afresh each run would keep that run's
    # objects alive, their finalizers delayed into a later run).
    kind = type(exc)
    return (kind.__module__, kind.__qualname__, traceback._safe_string(exc, "exception"), tuple(entries),
            exc.__suppress_context__,
            None if cause is None else _chain_key(cause, cause.__traceback__, files, seen),
            None if context is None else _chain_key(context, context.__traceback__, files, seen))


def _formatters():
    """What formats a traceback, as the traceback module holds it now (a program may replace a
    class or a method of it)."""
    summary = traceback.StackSummary
    return (traceback.TracebackException, traceback.TracebackException.format, summary, summary.format,
            summary.format_frame_summary, traceback.FrameSummary)


def _sources(files):
    """The source lines linecache holds for each file (read from disk and checked, as
    print_exception checks them), as a tuple of lists; None if one is not held that way."""
    sources = []
    for path in files:
        linecache.checkcache(path)
        entry = linecache.cache.get(path)
        if entry is None or len(entry) != 4 or entry[1] is None:
            return None
        sources.append(entry[2])
    return tuple(sources)


def _same(sources, kept_sources):
    """True if linecache holds the very lists the kept lines were formatted from (a file read
    again gives new ones)."""
    return sources is not None and all(now is then for now, then in zip(sources, kept_sources))


def memoized_print_exception(print_exception):
    """print_exception (3.11+), printing the lines kept for the same traceback when it can."""
    kept = {}  # key: (sources, lines)
    formatters = _formatters()  # as installed: a program that replaces one prints as ever

    def cached(exc, /, value=traceback._sentinel, tb=traceback._sentinel, limit=None, file=None, chain=True, **kwargs):
        if kwargs:
            return print_exception(exc, value, tb, limit=limit, file=file, chain=chain, **kwargs)
        value, tb = traceback._parse_value_tb(exc, value, tb)
        if value is None:
            return print_exception(value, None, None, limit=limit, file=file, chain=chain)
        files = {}
        try:
            if _formatters() != formatters:
                raise _AsEver  # the program replaced a part of the traceback module
            key = (limit, getattr(sys, "tracebacklimit", None), chain, _chain_key(value, tb, files, set()))
            memo = kept.get(key)
        except (_AsEver, TypeError):  # TypeError: a key that cannot be hashed (a limit of another type)
            return print_exception(value, value, tb, limit=limit, file=file, chain=chain)
        if memo is not None and _same(_sources(files), memo[0]):
            lines = memo[1]
        else:
            lines = list(traceback.TracebackException(type(value), value, tb, limit=limit, compact=True).format(chain=chain))
            sources = _sources(files)
            if sources is not None:
                if len(kept) >= _CACHED_TRACEBACKS:
                    kept.clear()
                kept[key] = (sources, lines)
        if file is None:
            file = sys.stderr
        for line in lines:
            print(line, file=file, end="")

    cached.__doc__, cached.__wrapped__ = print_exception.__doc__, print_exception
    return cached
