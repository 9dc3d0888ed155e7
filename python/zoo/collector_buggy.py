# seed 000, as the article wrote it: two collectors run with asyncio.wait; one fails, the
# program goes on and exits 0 ("success"), so systemd's Restart=on-failure never restarts it.
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
            # NOTE: Python 3.11 refuses bare coroutines in asyncio.wait: the article's call with
            # its tasks made explicit.
            loop.run_until_complete(asyncio.wait([loop.create_task(c) for c in coroutines]))  # BUG
        except CancelledError:
            pass

    print('\nBye!')
