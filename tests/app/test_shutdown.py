"""Graceful shutdown of the production command: a request in flight when SIGTERM arrives is
answered in full, new connections are refused, and the server exits 0."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.production_load import production_command
from tests.support import free_port, wait_until_ready, worker_environment


def read_response(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def late_request(port: int) -> socket.socket | None:
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
    except OSError:
        return None  # refused outright: not served either
    return sock


def read_late(sock: socket.socket | None) -> bytes:
    if sock is None:
        return b""
    with sock:
        try:
            return read_response(sock)
        except OSError:
            return b""  # reset: not served


def test_sigterm_lets_the_request_in_flight_finish(tmp_path: Path):
    env, _ = worker_environment(tmp_path, "shutdown-1")
    port = free_port()
    argv = production_command(port, workers=2)
    argv[0] = sys.executable
    server = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}")
        body = json.dumps({"queries": [{"lat": 43.8, "lon": 125.3, "n": 2}] * 20}).encode()
        held = socket.create_connection(("127.0.0.1", port), timeout=30)
        # Headers and half the body: the request is in flight, its handler waiting for the rest.
        held.sendall(
            b"POST /nearest/batch HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body[: len(body) // 2]
        )
        time.sleep(0.5)
        server.send_signal(signal.SIGTERM)
        time.sleep(1.0)  # well inside --timeout-graceful-shutdown
        assert server.poll() is None, "the server exited with a request in flight"
        late = late_request(port)
        held.sendall(body[len(body) // 2 :])
        response = read_response(held)
        held.close()
        late_answer = read_late(late)
        output = server.communicate(timeout=30)[0].decode()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    head, _, payload = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), response[:500]
    assert b"connection: close" in head.lower()  # the server says it is closing
    answers = json.loads(payload)["answers"]
    assert len(answers) == 20 and all(answer["ok"] for answer in answers)
    # A request arriving after SIGTERM is not served: the kernel may still queue it on the
    # shared listening socket, but no worker accepts it, and it is dropped at exit.
    assert not late_answer.startswith(b"HTTP/1.1 200"), late_answer[:200]
    assert server.returncode == 0, output
