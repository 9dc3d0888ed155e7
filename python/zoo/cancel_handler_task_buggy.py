# seed 004 as the article wrote it: an echo server whose handler, when cancelled, starts a task
# to report the dropped connection. On Ctrl-C asyncio.run cancels the handler during its
# cleanup; the task it starts then is never awaited and dies with the loop ("Task was
# destroyed but it is pending!").
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
        asyncio.create_task(send_event(msg))  # don't


async def main(host='127.0.0.1', port=0):
    server = await asyncio.start_server(echo, host, port)
    async with server:
        await session(server.sockets[0].getsockname()[1])  # NOTE: the article: await server.serve_forever()


try:
    asyncio.run(main())
except KeyboardInterrupt:
    print('Bye!')
