"""The `freight` command line: parse arguments, call the library, print tables, set exit codes.

No modelling logic lives here. One error boundary (:func:`main`) turns invalid input into a short
message and exit code 2, and any other failure into exit code 1 — never a traceback for bad input.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from freight.errors import FreightError

app = typer.Typer(
    name="freight",
    help="Multimodal freight network optimizer for the Chuannan–Yuxi region.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


class InputError(FreightError):
    """A command-line argument that cannot be used (missing file, bad option value)."""


def _fmt_t(x: float) -> str:
    return f"{x:,.0f}"


@app.command()
def validate(
    path: Annotated[
        Path, typer.Argument(help="network data folder (e.g. network_data/chuannan_yuxi)")
    ],
) -> None:
    """Load and check a network data folder; print a summary, or every problem (exit 2)."""
    from freight.io import load_network
    from freight.summary import network_summary

    net = load_network(path)
    s = network_summary(net)
    console.print(f"[bold]{s['name']}[/bold]: valid")
    t = Table(title="Places", show_header=True)
    t.add_column("kind")
    t.add_column("count", justify="right")
    for kind, n in s["places_by_kind"].items():
        t.add_row(kind, str(n))
    t.add_row("[bold]total[/bold]", f"[bold]{s['places']}[/bold] ({s['zones']} zones)")
    console.print(t)
    t = Table(title="Links by mode")
    t.add_column("mode")
    t.add_column("links", justify="right")
    t.add_column("km", justify="right")
    for mode, (n, km) in s["links_by_mode"].items():
        t.add_row(mode, str(n), f"{km:,.1f}")
    console.print(t)
    console.print(
        f"Terminals: {s['terminals']} ({s['transfers']} mode transfers, "
        f"{s['zone_access']} zone access)"
    )
    t = Table(
        title=f"Demand by commodity ({len(s['commodities'])} commodities, {s['demand_rows']} OD rows)"
    )
    t.add_column("commodity")
    t.add_column("tonnes/yr", justify="right")
    for c, tonnes in s["demand_by_commodity"].items():
        t.add_row(c, _fmt_t(tonnes))
    t.add_row("[bold]total[/bold]", f"[bold]{_fmt_t(s['demand_total'])}[/bold]")
    console.print(t)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``freight`` console script: the one error boundary.

    Usage errors are reported by typer (exit 2); :class:`~freight.errors.FreightError` (invalid
    data, scenario or argument) prints its message and exits 2; anything else is a bug: a one-line
    message and exit 1 (``FREIGHT_DEBUG=1`` shows the traceback).
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app(args=argv, prog_name="freight")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_INTERNAL)
    except FreightError as exc:
        err_console.print(Text("error: ", style="bold red") + Text(str(exc)), soft_wrap=True)
        return EXIT_INPUT
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except Exception as exc:  # the boundary: report, no traceback for users
        if os.environ.get("FREIGHT_DEBUG"):
            raise
        err_console.print(
            Text("internal error: ", style="bold red")
            + Text(f"{type(exc).__name__}: {exc}\n")
            + Text("This is a bug in freight; rerun with FREIGHT_DEBUG=1 for the traceback."),
            soft_wrap=True,
        )
        return EXIT_INTERNAL
    return EXIT_OK


@app.callback()
def _root() -> None:
    """Multimodal freight network optimizer for the Chuannan–Yuxi region."""


if __name__ == "__main__":
    sys.exit(main())
