# seed 001, as the article wrote it: a wrapper that logs and ignores a user coroutine's errors
# with a bare `except:`, which also catches CancelledError (and SystemExit).
import asyncio
import logging

logger = logging.getLogger(__name__)


async def user_defined_coroutine():
    await asyncio.sleep(1)


async def do_not_raise(user_defined_coroutine):
    try:
        await user_defined_coroutine
    except:  # noqa: E722  BUG: swallows CancelledError
        logger.warning("User defined logic raises an exception", exc_info=True)  # ignore


async def worker():
    for _ in range(3):
        await do_not_raise(user_defined_coroutine())


async def main():
    await asyncio.gather(asyncio.create_task(worker(), name="worker"))


asyncio.run(main())
