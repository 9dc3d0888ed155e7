# seed 003 as the article wrote it: a coroutine submitted to a loop in another thread with
# asyncio.run_coroutine_threadsafe, its future's result awaited with `except BaseException`
# (the article's first attempt at catching SystemExit). When the coroutine raises SystemExit,
# run_coroutine_threadsafe re-raises it in the loop's thread, never sets the future, and
# future.result() waits forever.
import asyncio
import threading


async def f():
    print("Inside coroutine f()")
    # NOTE: the article's f raises at once; here it awaits, so faultline can raise there
    # (SystemExit as `exit`, an error as `throw`, a cancellation).
    await asyncio.sleep(1)
    return 42


def start_loop(loop):
    asyncio.set_event_loop(loop)
    loop.run_forever()


def main():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=start_loop, args=(loop,))
    thread.start()

    future = asyncio.run_coroutine_threadsafe(f(), loop)

    try:
        future.result()
    except BaseException as e:
        print("Caught exception:", repr(e))

    print("Stopping loop")
    loop.call_soon_threadsafe(loop.stop)
    thread.join()


if __name__ == "__main__":
    main()
