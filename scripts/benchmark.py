"""Benchmark the product's fan-out against a bare ``websockets`` broadcast server, in one run.

For each N it starts a fresh server process (scripts/serve.sh, one daphne process, on a
throwaway SQLite database), runs the load tester (live/loadtest.py) with N sockets and M
task events through the REST API, stops the server; then the same against the bare server
with a frame of the same size. It prints a table, appends it with the machine and versions
to docs/performance.md, and writes the raw figures and a plot to docs/benchmarks/.

    .venv/bin/python scripts/benchmark.py                       # N = 1, 100, 1000, daphne
    .venv/bin/python scripts/benchmark.py --sizes 100,1000,5000 --server prod

``--server dev`` is scripts/serve.sh (daphne, one process, the README's run command);
``--server prod`` is scripts/serve-prod.sh (uvicorn, WEB_CONCURRENCY workers, on Redis).

Loopback only; every run is bounded (--max-seconds per run). Not part of the test suite:
timings on a shared machine are figures to read, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MARKER = "<!-- new results go below this line -->"
DEFAULT_FRAME = '<div id="board-1-open" hx-swap-oob="afterbegin"><li id="task-1">{marker}</li></div>'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("server exited at start") from None
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    packages = ["Django", "channels", "daphne", "uvicorn", "channels-redis", "redis", "websockets", "Twisted"]
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": ", ".join(f"{p} {version(p)}" for p in packages),
    }


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[int, int]]:
    """Start a server on a free port (``{port}`` in ``command``); yield (port, pid); stop it."""
    port = free_port()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, process)
            yield port, process.pid
        finally:
            stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1,100,1000", help="socket counts for the fan-out runs, comma-separated"
    )
    parser.add_argument("--events", type=int, default=10, help="task events per run")
    parser.add_argument("--rate", type=float, default=5.0, help="events per second")
    parser.add_argument("--server", choices=["dev", "prod"], default="dev")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the prod server")
    parser.add_argument(
        "--layer", choices=["memory", "redis"], default="memory", help="(prod always uses redis)"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare websockets baseline")
    parser.add_argument(
        "--hold", type=int, default=0, help="also: memory per socket with this many held by one process"
    )
    parser.add_argument("--storm", type=int, default=0, help="also: this many handshakes at the same moment")
    parser.add_argument(
        "--via",
        choices=["api", "orm"],
        default="api",
        help="events through the REST API, or written by the load tester itself as a worker would "
        "(redis only: the server's CPU is then the fan-out alone, like the bare server's)",
    )
    parser.add_argument("--max-seconds", type=float, default=300, help="limit per run")
    parser.add_argument("--label", default="", help="what changed since the last run, for the history")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",") if n]
    if args.server == "prod":
        args.layer = "redis"
    script = str(ROOT / "scripts" / ("serve-prod.sh" if args.server == "prod" else "serve.sh"))
    label = f"uvicorn x{args.workers}" if args.server == "prod" else "daphne"

    workdir = Path(tempfile.mkdtemp(prefix="taskboard-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-" + "x" * 40,
        "LIVE_LOG_LEVEL": "WARNING",
        # every simulated page comes from 127.0.0.1, tens of one user's: lift the socket caps
        "LIVE_MAX_SOCKETS_PER_ADDRESS": "1000000",
        "LIVE_MAX_SOCKETS_PER_USER": "1000000",
        "DAPHNE_ARGS": "--access-log /dev/null",
        "WEB_CONCURRENCY": str(args.workers),
        "API_RATE_USER": "off",  # the load tester's driver makes every event with an API call
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    if args.layer == "redis":
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        env |= {"REDIS_URL": args.redis_url, "REDIS_PREFIX": "bench"}
    else:
        env.pop("REDIS_URL", None)
        if args.via == "orm":
            parser.error("--via orm needs the redis layer (--layer redis or --server prod)")
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DEBUG", "SECRET_KEY")})
    if args.layer == "redis":  # the load tester publishes too when it writes (--via orm)
        os.environ.update({k: env[k] for k in ("REDIS_URL", "REDIS_PREFIX")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from live.loadtest import Options, Result, bare_trigger, load_product, plot, run_load
    from tasks.models import Task

    call_command("migrate", verbosity=0)
    bare_command = [sys.executable, str(ROOT / "scripts" / "bare_server.py"), "{port}"]
    results: list[Result] = []
    extras: list[str] = []
    frame = DEFAULT_FRAME
    for n in sizes:
        with running([script, "127.0.0.1", "{port}"], env, workdir / f"server-{n}.log") as (port, pid):
            print(f"product, N={n}", file=sys.stderr)
            options = Options(
                url=f"http://127.0.0.1:{port}",
                sockets=n,
                events=args.events,
                rate=args.rate,
                users=min(n, 200),
                pid=pid,
                via=args.via,
                max_seconds=args.max_seconds,
            )
            result = load_product(options)
            result.target = f"product ({label}, {args.layer}, via {args.via})"
            results.append(result)
            frame = result.sample_frame or frame
        Task.objects.filter(title__startswith="load-").delete()
        if not args.no_bare:
            with running(bare_command, env, workdir / f"bare-{n}.log") as (port, pid):
                print(f"bare, N={n}", file=sys.stderr)
                options = Options(
                    url=f"http://127.0.0.1:{port}",
                    sockets=n,
                    events=args.events,
                    rate=args.rate,
                    pid=pid,
                    target="bare",
                    max_seconds=args.max_seconds,
                )
                result = asyncio.run(run_load(options, [], "/", bare_trigger(frame)))
                result.target = "bare websockets"
                results.append(result)

    if args.hold:
        one_process = {**env, "WEB_CONCURRENCY": "1"}
        product_kb = hold(args.hold, [script, "127.0.0.1", "{port}"], one_process, workdir, "product")
        bare_kb = hold(args.hold, bare_command, env, workdir, "bare")
        extras.append(
            f"- Memory: {args.hold} sockets held by one {label.split()[0]} process: **{product_kb} KB per socket** "
            f"(bare websockets server: {bare_kb} KB), RSS growth over the N sockets after 50 warm-up sockets."
        )
    if args.storm:
        with running([script, "127.0.0.1", "{port}"], env, workdir / "storm.log") as (port, pid):
            options = Options(
                url=f"http://127.0.0.1:{port}",
                sockets=args.storm,
                users=min(args.storm, 200),
                events=1,
                rate=10,
                ramp=args.storm,
                pid=pid,
                max_seconds=args.max_seconds,
            )
            storm = load_product(options)
        extras.append(
            f"- Storm: {args.storm} handshakes at the same moment on the {label} server: "
            f"**{storm.opened} accepted, {storm.failed_opens} failed**, all open after {storm.open_seconds} s "
            f"(handshake p99 {storm.handshake_ms.get('p99')} ms); then {storm.delivered}/{storm.expected} delivered."
        )

    report = render_report(results, extras, machine(), args)
    print(report)
    if args.no_write:
        return
    out = ROOT / "docs" / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M")
    (out / f"{stamp}-{args.server}.json").write_text(json.dumps([r.summary() for r in results], indent=2))
    plotted = results and plot(results, str(out / f"{stamp}-{args.server}.png"))
    doc = ROOT / "docs" / "performance.md"
    text = doc.read_text() if doc.exists() else f"# Performance\n\n{MARKER}\n"
    image = f"\n![latency](benchmarks/{stamp}-{args.server}.png)\n" if plotted else ""
    doc.write_text(text.replace(MARKER, f"{MARKER}\n\n{report}{image}", 1))
    print(f"written to {doc.relative_to(ROOT)} and docs/benchmarks/{stamp}-{args.server}.*", file=sys.stderr)


def hold(n: int, command: list[str], env: dict[str, str], workdir: Path, name: str) -> float:
    """RSS growth per socket while ``n`` sockets are held open (after 50 warm-up sockets)."""
    from dashboard.load import board_load
    from live.loadtest import Options, Run
    from live.procstats import rss_kb

    with running(command, env, workdir / f"hold-{name}.log") as (port, pid):
        url = f"http://127.0.0.1:{port}"
        options = Options(url=url, sockets=n, users=200, progress=True, target="bare")
        cookies: list[str] = []
        path = "/"
        if name != "bare":
            prepared = board_load(options)
            cookies, path = prepared.cookies, prepared.ws_path

        async def measure() -> float:
            warm = Run(Options(url=url, sockets=50, users=200, progress=False, target="bare"), cookies, path)
            await warm.open_all()
            await asyncio.sleep(1)
            before = rss_kb(pid) or 0
            run = Run(options, cookies, path)
            await run.open_all()
            await asyncio.sleep(2)
            grown = (rss_kb(pid) or 0) - before
            await asyncio.gather(*(s.close() for s in run.sockets + warm.sockets), return_exceptions=True)
            return round(grown / max(len(run.sockets), 1), 1)

        print(f"holding {n} sockets on {name}", file=sys.stderr)
        return asyncio.run(measure())


def render_report(
    results: list[Any], extras: list[str], info: dict[str, str], args: argparse.Namespace
) -> str:
    from live.loadtest import table

    lines = [
        f"### {info['date']}: {args.server} server, {args.layer} layer, N = {args.sizes or '-'}, "
        f"{args.events} events at {args.rate}/s" + (f" ({args.label})" if args.label else ""),
        "",
        f"Machine: {info['machine']}; Python {info['python']}; {info['versions']}.",
        "",
        table(results),
    ]
    ratios = []
    by_n: dict[int, dict[str, Any]] = {}
    for r in results:
        by_n.setdefault(r.sockets, {})["bare" if r.target.startswith("bare") else "product"] = r
    for n, pair in sorted(by_n.items()):
        product, bare = pair.get("product"), pair.get("bare")
        if not (product and bare and product.latency_ms and bare.latency_ms):
            continue
        p99 = product.latency_ms["p99"] / max(bare.latency_ms["p99"], 0.01)
        cpu = ""
        if product.server_cpu_us_per_delivery and bare.server_cpu_us_per_delivery:
            cpu = f", server CPU per delivery {product.server_cpu_us_per_delivery / bare.server_cpu_us_per_delivery:.1f}x"
            if product.server_cpu_us_per_delivery_net and bare.server_cpu_us_per_delivery_net:
                net = product.server_cpu_us_per_delivery_net / bare.server_cpu_us_per_delivery_net
                cpu += f" ({net:.1f}x net of what each spends idle)"
        ratios.append(f"- N={n}: p99 latency {p99:.1f}x the bare server's{cpu}")
    if ratios:
        lines += ["", "Product ÷ bare, same run:", *ratios]
    if extras:
        lines += ["", *extras]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
