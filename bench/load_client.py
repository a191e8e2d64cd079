"""The load benches' HTTP side: a small HTTP/1.1 client on asyncio streams (cheap next to
the server it loads), voters signing in, loading and casting their ballots, and timing."""

from __future__ import annotations

import asyncio
import random
import re
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

HOST = "127.0.0.1"
RECEIPT = re.compile(r"\b([A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5})\b")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REQUEST_TIMEOUT = 60.0
PASSWORD = "bench passphrase for a load test"  # noqa: S105


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for raw in self.headers.get("set-cookie", []):
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(raw)
            jar.update({name: morsel.value for name, morsel in cookie.items()})
        return jar


async def request(
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    source: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One request on a new connection, from the loopback address ``source`` if given."""
    local = (source, 0) if source else None
    reader, writer = await asyncio.open_connection(HOST, port, local_addr=local)
    try:
        body = urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if form is not None:
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
                f"Origin: http://{HOST}:{port}",
                f"Referer: http://{HOST}:{port}{path}",
            ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT)
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in headers.get("transfer-encoding", [""])[0]:
        payload = _unchunk(payload)
    return Response(int(status_line.split()[1]), headers, payload)


def _unchunk(payload: bytes) -> bytes:
    out, rest = b"", payload
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


@dataclass
class Voter:
    user_id: int
    email: str
    session_key: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""
    ranks: dict[str, int] = field(default_factory=dict)
    receipt: str = ""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(label: str, latencies: list[float], elapsed: float) -> str:
    ms = [value * 1000 for value in latencies]
    return (
        f"{label:<34} {len(ms):>6} req  {len(ms) / elapsed:>8.1f}/s  "
        f"p50 {percentile(ms, 0.50):>7.1f} ms  p95 {percentile(ms, 0.95):>7.1f} ms  "
        f"p99 {percentile(ms, 0.99):>7.1f} ms"
    )


async def bounded(
    concurrency: int,
    jobs: list,  # noqa: ANN001
    worker,  # noqa: ANN001
    rate: float = 0,
) -> tuple[list[float], float, int]:
    """Run ``worker`` on every job, at most ``concurrency`` at a time.

    With a ``rate`` (jobs per second) job i is due at i / rate seconds (voters arriving at
    that pace) and its latency counts from when it was due, so that time spent waiting for a
    free slot, when the server falls behind, is counted too.
    """
    semaphore = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    failures = 0
    started = time.perf_counter()

    async def one(index: int, job: object) -> None:
        nonlocal failures
        due = started + index / rate if rate else 0.0
        if rate:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        async with semaphore:
            began = due or time.perf_counter()
            try:
                ok = await worker(job)
            except (TimeoutError, OSError, ValueError) as error:
                print(f"  request failed: {type(error).__name__}: {error}", file=sys.stderr)
                ok = False
            latencies.append(time.perf_counter() - began)
            failures += 0 if ok else 1

    await asyncio.gather(*(one(index, job) for index, job in enumerate(jobs)))
    return latencies, time.perf_counter() - started, failures


async def sign_in(port: int, voters: list[Voter]) -> int:
    """Sign ``voters`` in through the sign-in form; their sessions replace the prepared ones.

    Each comes from an address of its own in 127.0.0.0/8, as voters do from their own
    machines: the form allows only so many sign-ins a minute from one address.
    """
    failures = 0
    network = random.randrange(1, 255)
    for index, voter in enumerate(voters):
        source = f"127.{network}.{index // 250}.{index % 250 + 1}"
        page = await request(port, "GET", "/accounts/login/", source=source)
        match = CSRF_INPUT.search(page.body.decode())
        cookies = page.cookies()
        if page.status != 200 or not match:
            failures += 1
            continue
        form = {"csrfmiddlewaretoken": match.group(1), "login": voter.email, "password": PASSWORD}
        answer = await request(
            port, "POST", "/accounts/login/", cookies=cookies, form=form, source=source
        )
        session = answer.cookies().get("sessionid", "")
        if answer.status != 302 or not session:
            failures += 1
            continue
        voter.session_key = session
    return failures


async def load_ballots(port: int, contest_id: int, voters: list[Voter], concurrency: int) -> int:
    async def load(voter: Voter) -> bool:
        voter.cookies = {"sessionid": voter.session_key}
        response = await request(port, "GET", f"/vote/{contest_id}/", cookies=voter.cookies)
        match = CSRF_INPUT.search(response.body.decode())
        if response.status != 200 or not match:
            return False
        voter.cookies.update(response.cookies())
        voter.csrf_token = match.group(1)
        return True

    latencies, elapsed, failures = await bounded(concurrency, voters, load)
    print(report("ballot page (GET)", latencies, elapsed))
    return failures


def draw_ranks(voters: list[Voter], keys: list[str], seed: int) -> None:
    """Give each voter fresh ranks (with ties and unranked choices, as real ballots have)."""
    rng = random.Random(seed)
    for voter in voters:
        voter.receipt = ""
        voter.ranks = {key: rng.randint(1, len(keys)) for key in keys if rng.random() < 0.8}
        if not voter.ranks:  # a blank ballot is refused by design: rank one at least
            voter.ranks = {rng.choice(keys): 1}


async def cast_one(port: int, contest_id: int, voter: Voter) -> bool:
    """Cast ``voter``'s ranks; True when the response shows a receipt (kept in ``voter``)."""
    form = {"csrfmiddlewaretoken": voter.csrf_token, "step": "confirm"}
    form.update({f"rank-{key}": str(rank) for key, rank in voter.ranks.items()})
    response = await request(port, "POST", f"/vote/{contest_id}/", cookies=voter.cookies, form=form)
    match = RECEIPT.search(response.body.decode())
    if response.status != 200 or not match:
        return False
    voter.receipt = match.group(1)
    return True


async def cast_ballots(
    port: int,
    contest_id: int,
    keys: list[str],
    voters: list[Voter],
    concurrency: int,
    seed: int,
    rate: float = 0,
) -> tuple[int, list[float], float]:
    draw_ranks(voters, keys, seed)

    async def cast(voter: Voter) -> bool:
        return await cast_one(port, contest_id, voter)

    latencies, elapsed, failures = await bounded(concurrency, voters, cast, rate)
    return failures, latencies, elapsed


async def read_pages(port: int, paths: list[str], readers: int, reads: int) -> int:
    failures_total = 0
    for path in paths:

        async def read(_: int, path: str = path) -> bool:
            return (await request(port, "GET", path)).status == 200

        latencies, elapsed, failures = await bounded(readers, list(range(reads)), read)
        print(report(f"GET {path}", latencies, elapsed))
        failures_total += failures
    return failures_total
