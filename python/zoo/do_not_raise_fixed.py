# seed 001, with the article's fix: CancelledError is re-raised, only Exception is ignored.
import asyncio
import logging
from asyncio import CancelledError

logger = logging.getLogger(__name__)


async def user_defined_coroutine():
    await asyncio.sleep(1)


async def do_not_raise(user_defined_coroutine):
    try:
        await user_defined_coroutine
    except CancelledError:
        raise
    except Exception:
        logger.warning("User defined logic raises an exception", exc_info=True)  # ignore


async def worker():
    for _ in range(3):
        await do_not_raise(user_defined_coroutine())


async def main():
    await asyncio.gather(asyncio.create_task(worker(), name="worker"))


asyncio.run(main())
