# The buggy twin of wait_for_deadline.py: the retry loop takes a cancellation for a timeout,
# so a cancelled request is retried and the program ends as if nothing had happened.
import asyncio


async def fetch(attempt):
    await asyncio.sleep(2 if attempt == 0 else 0.5)
    return "data"


async def main():
    for attempt in range(2):
        try:
            data = await asyncio.wait_for(fetch(attempt), timeout=1)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            print("attempt", attempt, "gave nothing")
            continue
        print("got", data)
        return
    raise SystemExit("no data")


asyncio.run(main())
