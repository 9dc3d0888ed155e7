# The buggy twin of exit_unwinds_awaits.py: the pool's __aexit__ returns True to keep a failed
# close from hiding the block's error, and so swallows whatever left the block, SystemExit
# included: sys.exit in the block ends the program with 0.
import asyncio


class Pool:
    async def __aenter__(self):
        await asyncio.sleep(0.1)
        return self

    async def __aexit__(self, *exc):
        for _ in range(2):
            await asyncio.sleep(0.1)  # closing one connection
        return True


async def work(pool):
    for _ in range(3):
        await asyncio.sleep(1)
    print("work done")


async def main():
    async with Pool() as pool:
        await work(pool)


asyncio.run(main())
