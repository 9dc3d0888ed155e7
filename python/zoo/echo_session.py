"""The client side of the seed 004 echo demos (not in the article, which waits for a telnet
user): one session that sends two lines, a second apart, and leaves, or sees the server drop it.
The server then stops, so a run without faults ends."""
import asyncio


async def session(port):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    try:
        for line in (b'hello\n', b'bye\n'):
            writer.write(line)
            await writer.drain()
            reply = await reader.readline()
            if not reply:
                raise ConnectionResetError
            print(reply.decode().strip())
            await asyncio.sleep(1)
        writer.close()
        await writer.wait_closed()
    except ConnectionError:
        print('The server dropped the connection.')
    finally:
        # NOTE: the telnet user is another process: its end of the connection closes when it
        # leaves, cancelled or not. Left open, Python 3.12's Server.wait_closed waits for it.
        writer.close()
    await asyncio.sleep(1)  # the server reads the end of the stream
