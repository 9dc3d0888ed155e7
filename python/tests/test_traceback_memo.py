"""traceback_memo.py: a traceback printed from the memo is the one print_exception prints, for
every shape of traceback (standard library only)."""
import sys
import unittest

from traceback_scripts import run_script

# Every shape printed before the memo is installed, then twice after (computed, then from the
# memo); the script prints the three lists. From a file, so that frames show source lines.
SCRIPT = """
    def leaf(values, key):
        return values[key] / (len(values) - len(values))

    def deep(depth):
        if depth == 0:
            return leaf({"a": 1}, "a")
        return deep(depth - 1)

    def from_cause():
        try:
            leaf({"a": 1}, "a")
        except ZeroDivisionError as e:
            raise ValueError("with a cause") from e

    def with_context():
        try:
            leaf({"a": 1}, "a")
        except ZeroDivisionError:
            {}["missing"]

    def suppressed():
        try:
            leaf({"a": 1}, "a")
        except ZeroDivisionError:
            raise KeyError("context suppressed") from None

    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no text")

    class Falsy(Exception):
        def __bool__(self):
            return False

    def falsy_with_context():
        try:
            leaf({"a": 1}, "a")
        except ZeroDivisionError:
            raise Falsy("false, with a context")

    def with_notes():
        e = ValueError("noted")
        if hasattr(e, "add_note"):
            e.add_note("a note")
        raise e

    def group():
        raise ExceptionGroup("two", [ValueError(1), TypeError(2)])

    def cycle():
        a, b = ValueError("a"), ValueError("b")
        a.__context__, b.__context__ = b, a
        raise a

    def exec_made():
        exec("def made():\\n    return 1 / 0\\nmade()\\n", {})

    def caught(call):
        try:
            call()
        except BaseException as e:  # noqa
            return e
        raise AssertionError("no exception")

    def printed(exc, **options):
        out = io.StringIO()
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=out, **options)
        return out.getvalue()

    def logged(exc):
        out = io.StringIO()
        logger = logging.getLogger("memo-test")
        handler = logging.StreamHandler(out)
        logger.addHandler(handler)
        try:
            logger.error("failed", exc_info=exc)
        finally:
            logger.removeHandler(handler)
        return out.getvalue()

    def printed_exc(exc):
        out = io.StringIO()
        try:
            raise exc
        except BaseException:  # noqa
            traceback.print_exc(file=out)
        return out.getvalue()

    def shapes():
        calls = [lambda: deep(8), from_cause, with_context, suppressed, lambda: leaf({}, "a"),
                 lambda: (_ for _ in ()).throw(Unprintable()), falsy_with_context, with_notes, cycle,
                 lambda: undefined_name, lambda: compile("x = (", "bad.py", "exec"), lambda: None.attribute,
                 exec_made]
        if sys.version_info >= (3, 11):
            calls.append(group)
        texts = []
        for call in calls:
            exc = caught(call)
            texts += [printed(exc), printed(exc, limit=1), printed(exc, limit=-1), printed(exc, chain=False),
                      logged(exc), printed_exc(exc)]
            sys.tracebacklimit = 2
            texts.append(printed(exc))
            del sys.tracebacklimit
        write_changing(1, 1_000_000)
        texts.append(printed(caught(changing.boom)))
        write_changing(2, 2_000_000)  # same positions, another line
        texts.append(printed(caught(changing.boom)))
        return texts

    before = shapes()
    from faultline_asyncio import warm
    warm.install()
    first, second = shapes(), shapes()

    # a plain traceback printed twice: the second time from the memo, no frame summarized
    built = []
    summarize = getattr(traceback.StackSummary, "_extract_from_extended_frame_gen", None)  # 3.11+
    def counting(*args, **kwargs):
        built.append(1)
        return summarize(*args, **kwargs)
    if summarize is not None:
        traceback.StackSummary._extract_from_extended_frame_gen = counting
    exc = caught(lambda: deep(2))
    printed(exc)
    printed(exc)
    built_for_two = len(built)
    if summarize is not None:
        traceback.StackSummary._extract_from_extended_frame_gen = summarize

    # nothing of a printed exception is kept alive: its class (a program's, re-created each
    # run) and what it refers to are freed with it
    import gc, weakref
    namespace = {}
    exec("class ProgramError(Exception):\\n    pass\\n", namespace)
    error_class = weakref.ref(namespace["ProgramError"])
    def raise_it():
        raise namespace["ProgramError"]("of the program")
    printed(caught(raise_it))
    printed(caught(raise_it))
    namespace.clear()
    gc.collect()
    class_freed = error_class() is None

    # a program that replaces a formatting method meanwhile gets its own text
    original = traceback.TracebackException
    class Marked(original):
        def format(self, **kwargs):
            yield "marked\\n"
    traceback.TracebackException = Marked
    replaced = printed(exc)
    traceback.TracebackException = original
    print(repr((before, first, second, built_for_two, class_freed, replaced)))
"""


class TracebackMemoTest(unittest.TestCase):
    def test_every_shape_prints_as_print_exception_prints_it(self):
        before, first, second, built, class_freed, replaced = run_script(SCRIPT)
        self.assertIn("[Previous line repeated", before[0])
        self.assertIn("The above exception was the direct cause", before[7])
        self.assertIn("During handling of the above exception", before[14])
        self.assertIn("return 1 / 0", before[-2])
        self.assertIn("return 2 / 0", before[-1])
        for which, text in enumerate(before):
            self.assertEqual(first[which], text, f"shape {which}, computed")
            self.assertEqual(second[which], text, f"shape {which}, from the memo")
        if sys.version_info >= (3, 11):
            self.assertEqual(built, 1, "the second print of a plain traceback was not taken from the memo")
        self.assertTrue(class_freed, "the memo keeps a printed exception's class alive")
        self.assertEqual(replaced, "marked\n")


if __name__ == "__main__":
    unittest.main()
