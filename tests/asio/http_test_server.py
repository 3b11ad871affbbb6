#!/usr/bin/env python3
"""Loopback HTTP servers for the asio/ tests (Debian's python3-aiohttp).

Prints one line, "http=<port> raw=<port> tls=<port>" (tls=0 without a
certificate), then serves until its standard input closes: the test that
started it holds the pipe, so the server ends with the test on every path,
a crash included.

http (aiohttp):  /plain /echo /count /status/{code} /chunked /large /slow
                 /never /slow-body /sse /drop /close
raw (asyncio):   byte-exact answers aiohttp will not give: a body that ends
                 at the close, interim 1xx, a huge header, garbage, a close
                 without an answer, a keep-alive connection closed soon after.
tls:             the aiohttp app over TLS with the given certificate.
"""
import argparse
import asyncio
import logging
import os
import socket
import ssl
import sys

from aiohttp import web

connections = {}  # peer port -> requests served on it


def note_connection(request):
    peer = request.transport.get_extra_info("peername")
    key = peer[1] if peer else 0
    connections[key] = connections.get(key, 0) + 1
    return key


async def plain(request):
    note_connection(request)
    return web.Response(text="hello")


async def echo(request):
    note_connection(request)
    body = await request.read()
    lines = [f"{request.method} {request.path_qs}"]
    lines += [f"{name.lower()}: {value}" for name, value in request.headers.items()]
    return web.Response(body=("\n".join(lines) + "\n\n").encode() + body)


async def count(request):
    port = note_connection(request)
    return web.Response(text=f"connection={port} connections={len(connections)} uses={connections[port]}")


async def status(request):
    note_connection(request)
    code = int(request.match_info["code"])
    return web.Response(status=code, text=f"status {code}", headers={"X-Status": str(code)})


async def chunked_response(request):
    """A chunked response, its head sent: the body follows in writes."""
    note_connection(request)
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    return response


async def chunked(request):
    pieces = int(request.query.get("pieces", "5"))
    size = int(request.query.get("size", "10"))
    response = await chunked_response(request)
    for i in range(pieces):
        await response.write(bytes([ord("a") + i % 26]) * size)
        await asyncio.sleep(0.005)
    await response.write_eof()
    return response


async def large(request):
    note_connection(request)
    size = int(request.query.get("bytes", "1000000"))
    pattern = bytes(range(256))
    body = (pattern * (size // 256 + 1))[:size]
    return web.Response(body=body)


async def slow(request):
    note_connection(request)
    await asyncio.sleep(int(request.query.get("ms", "200")) / 1000)
    return web.Response(text="slow")


async def never(request):
    note_connection(request)
    await asyncio.sleep(3600)
    return web.Response(text="never")


async def slow_body(request):
    response = await chunked_response(request)
    await response.write(b"first")
    await asyncio.sleep(int(request.query.get("ms", "3000")) / 1000)
    await response.write(b"second")
    await response.write_eof()
    return response


async def sse(request):
    note_connection(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    # Partial flushes: lines and events cut mid-way, CRLF cut between writes.
    pieces = [
        b": comment first\n\n",
        b"retry: 2500\nid: 1\nevent: greet\ndata: hel",
        b"lo\n\n",
        b"data: line one\r",
        b"\ndata: line two\r\n\r\n",
        b"id: 2\ndata:no-space\n",
        b"\n",
        b"data: {\"jsonrpc\":\"2.0\",\"id\":3}\n\n",
        b"event: unfinished\ndata: never dispatched\n",
    ]
    for piece in pieces:
        await response.write(piece)
        await asyncio.sleep(0.01)
    await response.write_eof()
    return response


async def drop(request):
    response = await chunked_response(request)
    await response.write(b"partial body")
    await asyncio.sleep(0.05)
    request.transport.abort()  # the connection drops in the middle of the chunked body
    return response


async def close(request):
    note_connection(request)
    response = web.Response(text="closing")
    response.force_close()
    return response


async def raw_handler(reader, writer):
    """Answers by the request path with exact bytes; keeps the connection for keep-alive paths."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            if path == "/until-close":
                writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until the close")
                await writer.drain()
                break
            if path == "/interim":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                             b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal")
                await writer.drain()
                continue
            if path == "/huge-header":
                writer.write(b"HTTP/1.1 200 OK\r\nX-Big: " + b"x" * 200000 + b"\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                break
            if path == "/garbage":
                writer.write(b"this is not HTTP\r\n\r\n")
                await writer.drain()
                break
            if path == "/no-answer":
                break
            if path == "/short-keepalive":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
                await asyncio.sleep(0.1)
                break  # the server closes the idle keep-alive connection
            if path == "/short-body":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
                await writer.drain()
                break
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    # The tests cut connections on purpose; aiohttp's tracebacks for them are noise.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)

    app = web.Application()
    app.add_routes([
        web.get("/plain", plain), web.route("*", "/echo", echo), web.get("/count", count),
        web.get("/status/{code}", status), web.get("/chunked", chunked), web.get("/large", large),
        web.get("/slow", slow), web.route("*", "/never", never), web.get("/slow-body", slow_body),
        web.get("/sse", sse), web.get("/drop", drop), web.get("/close", close),
    ])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()

    def bound_socket():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        return sock

    http_socket = bound_socket()
    await web.SockSite(runner, http_socket).start()
    http_port = http_socket.getsockname()[1]

    raw = await asyncio.start_server(raw_handler, "127.0.0.1", 0)
    raw_port = raw.sockets[0].getsockname()[1]

    tls_port = 0
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        tls_socket = bound_socket()
        await web.SockSite(runner, tls_socket, ssl_context=context).start()
        tls_port = tls_socket.getsockname()[1]

    print(f"http={http_port} raw={raw_port} tls={tls_port}", flush=True)

    def on_stdin():
        if not os.read(sys.stdin.fileno(), 4096):
            os._exit(0)  # at once: a handler that never answers must not hold the exit up

    asyncio.get_running_loop().add_reader(sys.stdin.fileno(), on_stdin)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
