"""``manage.py loadtest``: open N authenticated sockets on a live page of a running server and
fire M events, as the site's load scenario says (``LIVE["LOAD_SCENARIO"]``; here a board and
task events through the REST API); report handshakes, fan-out latency, drops, throughput and
the server's memory and CPU (with --pid)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from live.loadtest import Options, load_product, plot, table


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: Any) -> None:
        defaults = Options()
        parser.add_argument(
            "--url", default=defaults.url, help="the server (127.0.0.1 only, unless --allow-remote)"
        )
        parser.add_argument("--sockets", "-n", type=int, default=defaults.sockets, help="sockets to open")
        parser.add_argument("--events", "-m", type=int, default=defaults.events, help="task events to fire")
        parser.add_argument("--rate", type=float, default=defaults.rate, help="events per second")
        parser.add_argument(
            "--users", type=int, default=defaults.users, help="distinct users behind the sockets"
        )
        parser.add_argument(
            "--ramp", type=int, default=defaults.ramp, help="handshakes in flight while opening"
        )
        parser.add_argument("--storm", action="store_true", help="open every socket at the same moment")
        parser.add_argument(
            "--via",
            choices=["api", "orm"],
            default=defaults.via,
            help="make the events through the REST API (default) or with the app's action in this "
            "process, as a worker would (needs the server's REDIS_URL): the server's CPU is then the fan-out alone",
        )
        parser.add_argument("--board", default=defaults.board, help="board slug (this site's scenario)")
        parser.add_argument(
            "--scenario", help='the load scenario, a dotted path (default: LIVE["LOAD_SCENARIO"])'
        )
        parser.add_argument("--pid", type=int, help="the server's process id: report its memory and CPU")
        parser.add_argument(
            "--settle", type=float, default=defaults.settle, help="seconds to wait for stragglers"
        )
        parser.add_argument(
            "--max-seconds", type=float, default=defaults.max_seconds, help="hard limit for the run"
        )
        parser.add_argument("--json", dest="json_path", help="write the figures as JSON here")
        parser.add_argument("--plot", dest="plot_path", help="write a PNG plot here (needs matplotlib)")
        parser.add_argument("--allow-remote", action="store_true", help="permit a host other than 127.0.0.1")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        options = Options(
            url=opts["url"],
            sockets=opts["sockets"],
            events=opts["events"],
            rate=opts["rate"],
            users=min(opts["users"], opts["sockets"]),
            ramp=opts["sockets"] if opts["storm"] else opts["ramp"],
            via=opts["via"],
            board=opts["board"],
            pid=opts["pid"],
            settle=opts["settle"],
            max_seconds=opts["max_seconds"],
            allow_remote=opts["allow_remote"],
            progress=not opts["quiet"],
        )
        try:
            result = load_product(options, opts["scenario"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(table([result]))
        if opts["json_path"]:
            with open(opts["json_path"], "w") as out:
                json.dump(result.summary(), out, indent=2)
        if opts["plot_path"] and not plot([result], opts["plot_path"]):
            self.stderr.write("matplotlib is not installed: no plot written")
        if result.dropped:
            self.stderr.write(
                self.style.WARNING(f"{result.dropped} of {result.expected} deliveries never arrived")
            )
