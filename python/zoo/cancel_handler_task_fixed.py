# seed 004 with the article's advice: no create_task while handling CancelledError. The
# handler reports the dropped connection itself, inside the task being cancelled, and lets the
# cancellation go on; asyncio.run's cleanup waits for it.
import asyncio
from asyncio import StreamReader, StreamWriter

from echo_session import session  # NOTE: the telnet user of the article


async def send_event(msg: str):
    await asyncio.sleep(1)


async def echo(reader: StreamReader, writer: StreamWriter):
    print('New connection.')
    try:
        while (data := await reader.readline()):
            writer.write(data.upper())
            await writer.drain()
        print('Leaving Connection.')
    except asyncio.CancelledError:
        msg = 'Connection dropped!'
        print(msg)
        await send_event(msg)
        raise
    finally:
        writer.close()  # NOTE: not in the article: without it a cancelled handler leaves its client waiting forever


async def main(host='127.0.0.1', port=0):
    server = await asyncio.start_server(echo, host, port)
    async with server:
        await session(server.sockets[0].getsockname()[1])  # NOTE: the article: await server.serve_forever()


try:
    asyncio.run(main())
except KeyboardInterrupt:
    print('Bye!')
