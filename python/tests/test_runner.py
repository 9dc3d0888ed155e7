"""runner.py's stand-ins for what a served run calls often: each gives what the standard library
gives (standard library only)."""
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from faultline_asyncio import runner  # noqa: E402


class Unhashable:
    __hash__ = None

    def __call__(self, *args):
        pass


class SignalTest(unittest.TestCase):
    HANDLERS = [signal.SIG_DFL, signal.SIG_IGN, int(signal.SIG_DFL), int(signal.SIG_IGN), signal.default_int_handler,
                lambda *args: None, Unhashable(), None, 7]

    def test_a_handler_is_returned_as_the_signal_module_returns_it(self):
        for handler in self.HANDLERS:
            with self.subTest(handler=handler):
                mine, theirs = runner._as_signal_module_gives(handler), signal._int_to_enum(handler, signal.Handlers)
                self.assertIs(type(mine), type(theirs))
                self.assertIs(mine, theirs)

    def test_getsignal_and_signal_give_what_the_modules_give(self):
        for signum in (signal.SIGUSR1, int(signal.SIGUSR2)):
            self.addCleanup(signal.signal, signum, signal.getsignal(signum))
            for handler in self.HANDLERS[:7]:
                with self.subTest(signal=signum, handler=handler):
                    previous = signal.getsignal(signum)  # as signal.signal would return it
                    self.assertIs(runner._recording_signal(signum, handler), previous)
                    self.assertIs(runner._getsignal(signum), signal.getsignal(signum))
                    self.assertEqual(signal.getsignal(signum), handler)
            self.assertIn(int(signum), runner._signals_set)
        for signum in signal.valid_signals():
            self.assertIs(runner._getsignal(signum), signal.getsignal(signum))


class DescriptorsTest(unittest.TestCase):
    def test_only_descriptors_opened_since_are_beyond_the_known(self):
        known = runner._descriptors()
        self.assertEqual(runner._descriptors(beyond=known), set())
        read_end, write_end = os.pipe()
        try:
            self.assertEqual(runner._descriptors(beyond=known), {read_end, write_end})
            self.assertTrue({read_end, write_end} <= runner._descriptors())
        finally:
            os.close(read_end)
            os.close(write_end)
        self.assertEqual(runner._descriptors(beyond=known), set())


if __name__ == "__main__":
    unittest.main()
