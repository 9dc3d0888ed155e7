"""warm.py: what a runner memoizes between served runs gives exactly what a fresh interpreter
computes (standard library only)."""
import os
import subprocess
import sys
import textwrap
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A traceback through several frames, some with ^^^ markers, formatted before warm.install()
# and twice after it (the second time from the memos).
SCRIPT = textwrap.dedent("""
    import sys, traceback
    sys.path.insert(0, sys.argv[1])

    def leaf(values, key):
        return values[key] / (len(values) - len(values))

    def middle(depth):
        if depth == 0:
            return leaf({"a": 1}, "a")
        return middle(depth - 1)

    def formatted():
        try:
            middle(4)
        except ZeroDivisionError as e:
            return "".join(traceback.format_exception(type(e), e, e.__traceback__))

    before = formatted()
    from faultline_asyncio import warm
    warm.install()
    first, second = formatted(), formatted()
    print(repr((before, first, second)))
""")


class WarmTest(unittest.TestCase):
    def test_tracebacks_are_the_same_with_the_memos(self):
        done = subprocess.run([sys.executable, "-c", SCRIPT, PYTHON_DIR], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, check=True)
        before, first, second = eval(done.stdout)  # noqa: S307 (our own repr)
        self.assertIn("ZeroDivisionError", before)
        self.assertGreaterEqual(before.count("in middle"), 4)  # 5 frames, 3 alike shown once repeated
        self.assertEqual(first, before)
        self.assertEqual(second, before)

    def test_a_code_position_is_the_walk_it_replaces_for_every_instruction(self):
        sys.path.insert(0, PYTHON_DIR)
        from faultline_asyncio import warm
        import traceback
        original = getattr(traceback, "_get_code_position", None)
        if original is None or getattr(original, "__wrapped__", None) is not None:
            self.skipTest("no traceback._get_code_position before 3.11, or already memoized here")
        cached = warm._memoized_code_position(original)
        code = textwrap.dedent.__code__
        indices = range(-2, 2 * len(list(code.co_positions())), 2)
        for _ in range(2):  # computed, then from the memo
            self.assertEqual([cached(code, i) for i in indices], [original(code, i) for i in indices])
        other = compile("x = 1\ny = x + 1\n", "other", "exec")
        self.assertEqual(cached(other, 2), original(other, 2))


if __name__ == "__main__":
    unittest.main()
