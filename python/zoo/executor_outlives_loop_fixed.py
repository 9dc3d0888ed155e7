# seed 004 as the article wrote it, on Python 3.9+: asyncio.run waits for the default
# executor's jobs before it closes the loop, so the blocking job's result is delivered.
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


asyncio.run(main())
