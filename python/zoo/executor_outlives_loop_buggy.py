# seed 004 as the article wrote it, run as asyncio.run ran it before Python 3.9: a blocking job
# started with run_in_executor outlives main, and the loop is closed under it (before 3.9:
# "RuntimeError: Event loop is closed" from the job's callback; since, its result is dropped).
import asyncio
import time


async def main():
    loop = asyncio.get_running_loop()
    loop.run_in_executor(None, blocking)
    print(f'{time.ctime()} Hello!')
    await asyncio.sleep(0.1)  # NOTE: the article's 1.0 s and 1.5 s, scaled down by 10: a run costs the job's time
    print(f'{time.ctime()} Goodbye!')


def blocking():
    time.sleep(0.15)
    print(f"{time.ctime()} Hello from a thread!")


def run(main):
    # NOTE: asyncio.run as Python 3.8 had it: main's loop is closed without waiting for the
    # default executor (3.9 added loop.shutdown_default_executor()).
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


run(main())
