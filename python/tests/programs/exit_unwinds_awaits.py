# A correct program whose way out awaits: the connection pool's __aexit__ closes each
# connection with an await. A SystemExit (or any error) leaving `work` unwinds through those
# awaits, so a second fault landing there (a cancellation, an error, a signal) may end the run
# instead, as it would without faultline.
import asyncio


class Pool:
    async def __aenter__(self):
        await asyncio.sleep(0.1)
        return self

    async def __aexit__(self, *exc):
        for _ in range(2):
            await asyncio.sleep(0.1)  # closing one connection


async def work(pool):
    for _ in range(3):
        await asyncio.sleep(1)
    print("work done")


async def main():
    async with Pool() as pool:
        await work(pool)


asyncio.run(main())
