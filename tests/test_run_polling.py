"""`madoguchi run`: the real bot long-polls a Bot API server (here a fake one on loopback)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

# Long fault, rate and process tests: `python3 dev.py test -m "not slow"` leaves them out.
pytestmark = pytest.mark.slow

TOKEN = "123456:TEST"
RESIDENT = 424242


class FakeTelegram(ThreadingHTTPServer):
    """A loopback Bot API that hands out one /start update and records what the bot sends."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sent: list[dict] = []
        self.updates = [
            {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": RESIDENT, "type": "private", "first_name": "R"},
                    "from": {
                        "id": RESIDENT,
                        "is_bot": False,
                        "first_name": "R",
                        "language_code": "en",
                    },
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
        ]
        self.confirmed_offset = 0
        # Set, getUpdates answers 409 as Telegram does when another bot polls with the token.
        self.conflict = False


class _Handler(BaseHTTPRequestHandler):
    server: FakeTelegram

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        """Answers one Bot API call."""
        method = self.path.rsplit("/", 1)[-1]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        params = {k: v[0] for k, v in parse_qs(body).items()}
        result: object = True
        if method == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "madoguchi", "username": "m_bot"}
        elif method == "getUpdates" and self.server.conflict:
            self._answer(409, {"ok": False, "error_code": 409, "description": "Conflict"})
            return
        elif method == "getUpdates":
            offset = int(params.get("offset", 0))
            self.server.confirmed_offset = max(self.server.confirmed_offset, offset)
            result = [u for u in self.server.updates if u["update_id"] >= offset]
            if not result:
                time.sleep(0.2)
        elif method == "sendMessage":
            self.server.sent.append(params)
            result = {
                "message_id": len(self.server.sent) + 100,
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params["text"],
            }
        self._answer(200, {"ok": True, "result": result})

    def _answer(self, status: int, body: dict) -> None:
        """Sends a JSON answer."""
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serving(server: FakeTelegram, data_dir: Path) -> dict[str, str]:
    """Starts the fake in a thread; the environment of a bot that polls it."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env.update(
        MADOGUCHI_BOT_TOKEN=TOKEN,
        MADOGUCHI_BOT_API_URL=f"http://127.0.0.1:{server.server_address[1]}/bot",
        MADOGUCHI_STAFF_CHAT_ID="-1001",
        MADOGUCHI_DATA_DIR=str(data_dir),
    )
    return env


def test_run_answers_start_through_a_bot_api_server(tmp_path: Path) -> None:
    """With a token and MADOGUCHI_BOT_API_URL the bot migrates, polls and answers /start."""
    server = FakeTelegram()
    env = serving(server, tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not server.sent:
            time.sleep(0.1)
        while time.monotonic() < deadline and server.confirmed_offset < 2:
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0]
        server.shutdown()
        server.server_close()
    assert server.sent, output
    assert int(server.sent[0]["chat_id"]) == RESIDENT
    assert "What can we help you with?" in server.sent[0]["text"]
    assert server.confirmed_offset == 2, "the handled update was confirmed to Telegram"
    assert process.returncode == 0, output
    assert (tmp_path / "madoguchi.sqlite3").exists()


def test_run_refuses_without_a_staff_chat(tmp_path: Path) -> None:
    """Without MADOGUCHI_STAFF_CHAT_ID, tickets would reach no one: the bot does not start."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env.update(MADOGUCHI_BOT_TOKEN=TOKEN, MADOGUCHI_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "MADOGUCHI_STAFF_CHAT_ID" in result.stderr


def test_run_stops_with_a_failure_when_another_bot_polls_with_the_token(tmp_path: Path) -> None:
    """getUpdates answers 409 (another process polls with the same token): the worker stops and
    exits with a failure, where it used to run on without polling, its health still "ok"."""
    server = FakeTelegram()
    server.conflict = True
    env = serving(server, tmp_path)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.shutdown()
        server.server_close()
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "long polling stopped (Conflict); stopping the worker" in output
