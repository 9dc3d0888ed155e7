"""What a runner reuses from one served run to the next, where a fresh interpreter would redo
the same work with the same result: a module's code, read and compiled again at each import of
the program's own modules, and the traceback module's parse of a source line for its ^^^
markers, its walk of a code object's positions to a frame's instruction and its text for a
frame. The tracebacks' memos are keyed on their exact input; a module's code on its file's
path, modification time and size, which is how Python validates its own cached bytecode. A
program's output and behaviour are the same with and without them.

NOTE: measured on seed 004's echo demo (3.11): re-importing echo_session compiled it on every
run (~0.3 ms), and every traceback printed or logged parses each of its lines with ast.parse
(~0.1 ms a line); together about a fifth of a run. Reading the source again (or looking for
its bytecode) cost another ~30 µs an import.
"""
import functools
import importlib.machinery
import os
import traceback

from faultline_asyncio import traceback_memo

_CACHED_CODES = 256  # modules' code objects kept (a program imports far fewer of its own)
_CACHED_POSITIONS = 4096  # (code, instruction) pairs kept: the frames tracebacks of a program show
_CACHED_FRAMES = 4096  # frames' formatted texts kept


def _memoized_get_code(get_code):
    """A module's code, as the import system's loader reads it from its source file (or its
    cached bytecode): kept for the file as it is, named by its path, modification time (ns) and
    size, as a cached .pyc is validated (by seconds and size). A subclass of the loader (an
    import hook that rewrites sources) loads as ever."""
    codes = {}

    @functools.wraps(get_code)
    def cached(self, fullname):
        if type(self) is not importlib.machinery.SourceFileLoader:
            return get_code(self, fullname)
        path = self.get_filename(fullname)
        try:
            stat = os.stat(path)
        except OSError:
            return get_code(self, fullname)  # as ever: the loader says what is wrong
        key = (path, stat.st_mtime_ns, stat.st_size)
        code = codes.get(key)
        if code is None:
            code = get_code(self, fullname)
            if len(codes) >= _CACHED_CODES:
                codes.clear()
            codes[key] = code
        return code

    return cached


def _memoized_should_show_carets(should_show_carets):
    @functools.lru_cache(maxsize=1024)
    def on_lines(start_offset, end_offset, all_lines, anchors):
        return should_show_carets(None, start_offset, end_offset, list(all_lines), anchors)

    @functools.wraps(should_show_carets)
    def cached(self, start_offset, end_offset, all_lines, anchors):
        try:
            return on_lines(start_offset, end_offset, tuple(all_lines), anchors)
        except TypeError:  # an argument that cannot be hashed: as the interpreter would
            return should_show_carets(self, start_offset, end_offset, all_lines, anchors)

    return cached


def _memoized_code_position(code_position):
    """traceback's position of a frame's instruction: a walk of the code's positions up to it,
    for every frame of every traceback (code objects are immutable; the walked code is kept with
    its entry, so its id is not reused while the entry lives)."""
    positions = {}

    @functools.wraps(code_position)
    def cached(code, instruction_index):
        entry = positions.get((id(code), instruction_index))
        if entry is not None and entry[0] is code:
            return entry[1]
        position = code_position(code, instruction_index)
        if len(positions) >= _CACHED_POSITIONS:
            positions.clear()
        positions[(id(code), instruction_index)] = (code, position)
        return position

    return cached


def _memoized_frame_summary(format_frame_summary):
    """traceback's text for one frame (its line, the ^^^ markers under it): a function of the
    frame's file, lines, positions and name, the summary's class and the options; frames with
    locals (capture_locals) are formatted as ever."""
    texts = {}

    @functools.wraps(format_frame_summary)
    def cached(self, frame_summary, **kwargs):
        if frame_summary.locals is not None:
            return format_frame_summary(self, frame_summary, **kwargs)
        # NOTE: the source line(s) as the original reads them: 3.13 spans the instruction's
        # lines (_original_lines), 3.11 and 3.12 show one (_original_line).
        lines = getattr(frame_summary, "_original_lines", None) if _SPANS_LINES else frame_summary._original_line
        key = (type(self), frame_summary.filename, frame_summary.lineno, frame_summary.end_lineno, frame_summary.colno,
               frame_summary.end_colno, frame_summary.name, lines, tuple(sorted(kwargs.items())))
        try:
            text = texts.get(key)
        except TypeError:  # an option that cannot be hashed
            return format_frame_summary(self, frame_summary, **kwargs)
        if text is None:
            text = format_frame_summary(self, frame_summary, **kwargs)
            if len(texts) >= _CACHED_FRAMES:
                texts.clear()
            texts[key] = text
        return text

    return cached


_SPANS_LINES = hasattr(traceback.FrameSummary, "_original_lines")  # 3.13+


def install():
    """Memoizes them in this process (a runner: it serves many runs), and whole printed
    tracebacks (traceback_memo.py)."""
    loader = importlib.machinery.SourceFileLoader
    loader.get_code = _memoized_get_code(loader.get_code)
    anchors = getattr(traceback, "_extract_caret_anchors_from_line_segment", None)  # 3.11+
    if anchors is not None:
        traceback._extract_caret_anchors_from_line_segment = functools.lru_cache(maxsize=1024)(anchors)
    position = getattr(traceback, "_get_code_position", None)  # 3.11+
    if position is not None:
        traceback._get_code_position = _memoized_code_position(position)
    frame = getattr(traceback.StackSummary, "format_frame_summary", None)  # 3.11+
    if frame is not None and (_SPANS_LINES or hasattr(traceback.FrameSummary, "_original_line")):
        traceback.StackSummary.format_frame_summary = _memoized_frame_summary(frame)
    carets = getattr(traceback.StackSummary, "_should_show_carets", None)  # 3.13+
    if carets is not None:
        traceback.StackSummary._should_show_carets = _memoized_should_show_carets(carets)
    if hasattr(traceback, "_safe_string") and hasattr(traceback, "_parse_value_tb"):  # 3.11+
        traceback.print_exception = traceback_memo.memoized_print_exception(traceback.print_exception)
