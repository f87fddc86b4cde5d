"""`trygg demo`: load the demo municipality (once) and serve Trygg at 127.0.0.1:8000."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from gis.demo.load import load_demo, reset_demo


class Command(BaseCommand):
    help = "Migrate, load the demo municipality (central Helsinki) and serve it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="delete the demo and load it anew")
        parser.add_argument("--no-serve", action="store_true", help="load only, do not serve")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port to serve on")

    def handle(self, *args, reset: bool, no_serve: bool, addr: str, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if reset:
            reset_demo()
            self.stdout.write("demo deleted")
        started = time.monotonic()
        counts = load_demo()
        self.stdout.write(
            f"demo loaded in {time.monotonic() - started:.1f} s: "
            + ", ".join(f"{name} {count}" for name, count in counts.items())
        )
        if not no_serve:
            call_command("collectstatic", interactive=False, verbosity=0)
            self.stdout.write(f"serving Trygg at http://{addr}/ (Ctrl-C to stop)")
            call_command("runserver", addr, use_reloader=False)
