# seed 002, as the article wrote it (example2.py): six workers, the first three "protected"
# with asyncio.shield. A Ctrl+C still cancels them: asyncio.run's shutdown cancels every task,
# the shielded inner tasks included.
import asyncio


async def worker(n: int) -> None:
    print(f"[{n}] Started!")
    try:
        # this is a task that shouldn't be canceled in the middle
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print(f"[{n}] Canceled (this is bad)!")
        raise  # NOTE: the article's worker returns here, a seed 001 trap of its own; see the README
    else:
        print(f"[{n}] Successfully done!")


async def main() -> None:
    # create 6 tasks, shield only first 3
    tasks = []
    for n in range(6):
        task = asyncio.create_task(worker(n))
        if n < 3:
            # protect task from being canceled
            # (spoiler: it will be canceled anyway)
            task = asyncio.shield(task)  # BUG: shield protects from the caller's cancel, not from shutdown's
        tasks.append(task)

    # wait for all tasks to finish
    await asyncio.gather(*tasks)


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("App was interrupted")
    else:
        print("App was finished gracefully")
