# seed 003 with the article's fix: the future's result is awaited with a timeout, so a
# coroutine that raised SystemExit (its loop's thread gone, the future never set) costs a
# timeout, not a hang.
import asyncio
import threading


async def f():
    print("Inside coroutine f()")
    # NOTE: the article's f raises at once; here it awaits, so faultline can raise there.
    await asyncio.sleep(1)
    return 42


def start_loop(loop):
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        # NOTE: not in the article; faultline found (1:signal=INT) that a Ctrl-C caught while f
        # was pending stopped the loop under it: f was destroyed pending. The loop's thread now
        # cancels and awaits what is left when its loop stops.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def main():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=start_loop, args=(loop,))
    # NOTE: not in the article; faultline found (1:signal=INT) that a Ctrl-C landing in main
    # before the `try` (the loop's thread already runs f) left that thread running: the
    # interpreter then waited for it forever at exit. Starting it is inside the `try` now.
    try:
        thread.start()
        future = asyncio.run_coroutine_threadsafe(f(), loop)
        future.result(timeout=3)
    except TimeoutError:
        print("Timeout")
        print("Future done?", future.done())
        print("Future cancelled?", future.cancelled())
        print("Loop alive?", loop.is_running())
        print("Thread alive?", thread.is_alive())
    except BaseException as e:
        print("Caught exception:", repr(e))

    print("Stopping loop")
    loop.call_soon_threadsafe(loop.stop)
    thread.join()


if __name__ == "__main__":
    main()
