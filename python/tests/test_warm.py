"""warm.py: what a runner memoizes between served runs gives exactly what a fresh interpreter
computes (standard library only)."""
import os
import re
import subprocess
import sys
import textwrap
import unittest

from traceback_scripts import PYTHON_DIR, run_script

# Tracebacks formatted before warm.install() and twice after it (the second time from the
# memos): through several frames, some with ^^^ markers; an instruction spanning two lines; a
# module whose file changes between two tracebacks (same positions, another line: the text shown
# must follow the file, as linecache does); locals captured; colours (3.13+).
SCRIPT = """
    def leaf(values, key):
        return values[key] / (len(values) - len(values))

    def middle(depth):
        if depth == 0:
            return leaf({"a": 1}, "a")
        return middle(depth - 1)

    def spanning(values):
        return (values["a"]
                / (len(values) - len(values)))

    def caught(call, **options):
        try:
            call()
        except ZeroDivisionError as e:
            exception = traceback.TracebackException(type(e), e, e.__traceback__, **options)
            try:
                text = "".join(exception.format(colorize=True))
            except TypeError:  # before 3.13
                text = "".join(exception.format())
            return re.sub(r" at 0x[0-9a-f]+", " at 0x?", text)  # a captured function's address

    def formatted():
        texts = [caught(lambda: middle(4)), caught(lambda: spanning({"a": 1})),
                 caught(lambda: leaf({"a": 1}, "a"), capture_locals=True)]
        write_changing(1, 1_000_000)
        texts.append(caught(changing.boom))
        write_changing(2, 2_000_000)
        texts.append(caught(changing.boom))
        return texts

    before = formatted()
    from faultline_asyncio import warm
    warm.install()
    first, second = formatted(), formatted()
    print(repr((before, first, second)))
"""


class WarmTest(unittest.TestCase):
    def test_tracebacks_are_the_same_with_the_memos(self):
        before, first, second = run_script(SCRIPT)
        plain = [re.sub(r"\x1b\[[0-9;]*m", "", text) for text in before]  # 3.13's colours
        self.assertGreaterEqual(plain[0].count("middle"), 4)  # 5 frames, 3 alike shown once repeated
        self.assertIn('return (values["a"]', plain[1])
        self.assertIn("values = {'a': 1}", plain[2])
        self.assertIn("return 1 / 0", plain[3])
        self.assertIn("return 2 / 0", plain[4])
        for which, text in enumerate(before):
            self.assertEqual(first[which], text)
            self.assertEqual(second[which], text)

    def test_a_module_imported_again_runs_its_file_as_it_is_now(self):
        # as a served run imports the program's own modules afresh: the code is kept only for
        # the same file (a change of content shows in its size or modification time)
        script = textwrap.dedent("""
            import os, sys, tempfile
            sys.path.insert(0, sys.argv[1])
            from faultline_asyncio import warm
            warm.install()
            folder = tempfile.mkdtemp()
            sys.path.insert(0, folder)
            path = os.path.join(folder, "changes.py")
            seen = []
            for text, mtime in (("VALUE = 1\\n", 1_000_000), ("VALUE = 1\\n", 1_000_000), ("VALUE = 22\\n", 1_000_000),
                                ("VALUE = 33\\n", 1_000_000), ("VALUE = 33\\n", 2_000_000), ("VALUE = 44\\n", 3_000_000)):
                with open(path, "w") as f:
                    f.write(text)
                os.utime(path, (mtime, mtime))
                sys.modules.pop("changes", None)
                import changes
                seen.append(changes.VALUE)
            print(seen)
        """)
        done = subprocess.run([sys.executable, "-c", script, PYTHON_DIR], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, check=True, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        # 33 written over 22 with the same size and time is the one change no validation sees
        # (Python's own .pyc neither); every other one is read
        self.assertEqual(done.stdout.strip(), "[1, 1, 22, 22, 33, 44]")

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
