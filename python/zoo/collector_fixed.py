# seed 000, with the article's fix: asyncio.gather instead of asyncio.wait, so a collector's
# error ends the program with a failure status.
import asyncio
from asyncio import CancelledError


async def collect_serial():
    # Repeatedly read data from the serial connection (three readings keep a run short).
    for _ in range(3):
        await asyncio.sleep(1)


async def collect_mqtt():
    # Subscribe to some topics and receive messages.
    for _ in range(3):
        await asyncio.sleep(2)


# -- Start main program -- #
if __name__ == '__main__':
    loop = asyncio.get_event_loop()
    coroutines = [collect_serial(), collect_mqtt()]
    if coroutines:
        try:
            loop.run_until_complete(asyncio.gather(*coroutines))
        except CancelledError:
            pass

    print('\nBye!')
