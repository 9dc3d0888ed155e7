# A request with a deadline: asyncio.wait_for around work that usually finishes in time, a
# timeout retried once. A cancellation of the caller propagates. (Before Python 3.12,
# asyncio.wait_for itself returns the work's result when its caller is cancelled just as the
# work completes, CPython gh-86296: asyncio's doing, not this program's.)
import asyncio


async def fetch(attempt):
    await asyncio.sleep(2 if attempt == 0 else 0.5)
    return "data"


async def main():
    for attempt in range(2):
        try:
            data = await asyncio.wait_for(fetch(attempt), timeout=1)
        except asyncio.TimeoutError:
            print("attempt", attempt, "timed out")
            continue
        print("got", data)
        return
    raise SystemExit("no data")


asyncio.run(main())
