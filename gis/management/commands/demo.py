"""`trygg demo`: load the demo municipality (once), analyse it, and serve Trygg at 127.0.0.1:8000.

While it serves, a worker of the pages' background tasks runs beside it (`trygg db_worker`,
gis.jobs.tasks: the work list's "Recompute the ranking"), stopped with the server.

Before serving it prints the demo's logins (one account per role, new passwords at every start)
and the join link and QR code of an open safety walk. Under settings that refuse the demo
accounts (the production settings) it stops at once with one line and exit status 1.
"""

import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from gis.demo.accounts import (
    REFUSED,
    demo_username,
    ensure_demo_accounts,
    ensure_demo_partner,
    refuses_demo_accounts,
)
from gis.demo.analyse import analyse_demo, analysed
from gis.demo.banner import banner, base_url
from gis.demo.load import demo_municipality, load_demo, reset_demo
from gis.demo.measures import ensure_demo_measures
from gis.demo.open_walk import ensure_open_walk
from gis.demo.walk_plans import plan_demo_walks


class Command(BaseCommand):
    help = "Migrate, load and analyse the demo municipality (central Helsinki) and serve it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="delete the demo and load it anew")
        parser.add_argument("--no-serve", action="store_true", help="load only, do not serve")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port to serve on")

    def handle(self, *args, reset: bool, no_serve: bool, addr: str, **options) -> None:
        if refuses_demo_accounts():
            raise CommandError(REFUSED)
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
        municipality = demo_municipality()
        if not analysed(municipality):
            started = time.monotonic()
            analyses = analyse_demo(municipality)
            self.stdout.write(
                f"demo analysed in {time.monotonic() - started:.1f} s: {analyses.describe()}"
            )
        logins = ensure_demo_accounts(municipality)
        ensure_demo_partner(municipality)
        ensure_demo_measures(municipality)
        leader = User.objects.get(username=demo_username("walk_leader"))
        walk = ensure_open_walk(municipality, leader)
        plan_demo_walks(municipality, walk)
        self.stdout.write(banner(base_url(addr, settings.ALLOWED_HOSTS), logins, walk))
        self.stdout.flush()
        if not no_serve:
            call_command("collectstatic", interactive=False, verbosity=0)
            worker = subprocess.Popen(
                [sys.executable, "-m", "gis.cli", "db_worker", "--no-reload", "--verbosity", "0"]
            )
            self.stdout.write(f"serving Trygg at http://{addr}/ (Ctrl-C to stop)")
            try:
                call_command("runserver", addr, use_reloader=False)
            finally:
                worker.terminate()
                worker.wait(timeout=30)
