"""site.py: where an await chain waits, as a person reads it (standard library only)."""
import asyncio
import os
import sys
import types
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from faultline_asyncio.site import program_site_of  # noqa: E402


async def waits_on(future):
    await future


async def through_a_coroutine(future):
    await waits_on(future)


@types.coroutine
def generator_based(future):
    yield from future.__await__()


async def through_a_generator(future):
    await generator_based(future)


async def through_asyncio(event):
    await asyncio.wait_for(event.wait(), 10)


class ForeignCoroutine:
    """A coroutine of another kind (as Cython makes): it has cr_frame and cr_await, but is not
    a native coroutine."""

    def __init__(self, inner):
        self.cr_frame, self.cr_await = inner.cr_frame, inner.cr_await


def suspended(coro):
    coro.send(None)
    return coro


class ProgramSiteTest(unittest.TestCase):
    def setUp(self):
        self.loop = asyncio.new_event_loop()
        self.addCleanup(self.loop.close)

    def site(self, coro):
        self.addCleanup(coro.close)
        return program_site_of(suspended(coro) if not isinstance(coro, ForeignCoroutine) else coro)

    def line_of(self, text):
        with open(__file__, encoding="utf-8") as f:
            return next(number for number, line in enumerate(f, 1) if text in line)

    def test_the_innermost_frame_of_the_chain_down_to_the_future(self):
        future = self.loop.create_future()
        where = f"test_site.py:{self.line_of('    await future')} (waits_on)"
        self.assertEqual(self.site(through_a_coroutine(future)), (where, True))

    def test_a_generator_based_coroutine_is_walked_through(self):
        future = self.loop.create_future()
        where = f"test_site.py:{self.line_of('yield from future')} (generator_based)"
        self.assertEqual(self.site(through_a_generator(future)), (where, True))

    def test_asyncios_own_frames_are_skipped(self):
        async def main():
            task = asyncio.ensure_future(through_asyncio(asyncio.Event()))
            await asyncio.sleep(0)
            site = program_site_of(task.get_coro())
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return site

        where = f"test_site.py:{self.line_of('await asyncio.wait_for')} (through_asyncio)"
        self.assertEqual(self.loop.run_until_complete(main()), (where, True))

    def test_a_coroutine_of_another_kind_is_read_by_its_attributes(self):
        future = self.loop.create_future()
        native = suspended(through_a_coroutine(future))
        self.addCleanup(native.close)
        where = f"test_site.py:{self.line_of('    await future')} (waits_on)"
        self.assertEqual(program_site_of(ForeignCoroutine(native)), (where, True))

    def test_a_chain_of_asyncio_alone_names_its_innermost_frame(self):
        async def main():
            task = asyncio.ensure_future(asyncio.sleep(10))
            await asyncio.sleep(0)
            site = program_site_of(task.get_coro())
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return site

        site, programs = self.loop.run_until_complete(main())
        self.assertFalse(programs)
        self.assertRegex(site, r"^tasks\.py:\d+ \(sleep\)$")

    def test_nothing_to_walk(self):
        self.assertEqual(program_site_of(None), ("?", False))


if __name__ == "__main__":
    unittest.main()
