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
    loop.run_forever()


def main():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=start_loop, args=(loop,))
    thread.start()

    future = asyncio.run_coroutine_threadsafe(f(), loop)

    try:
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
