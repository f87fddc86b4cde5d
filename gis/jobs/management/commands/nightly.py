"""`trygg nightly`: every municipality's heat map, hot spots, emerging hot spots and ranking of
fixes as independent tasks on dask.distributed.

    trygg nightly (--municipality CODE ... | --all) [--scheduler ADDRESS] [--workers N] [--force]

Without ``--scheduler`` the tasks run on a local cluster of ``--workers`` processes (default:
half the CPUs, at least 1); with it, on that existing dask cluster, whose workers have Trygg
installed and reach the same database. Each task is recorded (``gis.jobs.models.JobRun``) and
skipped when done for the same inputs. A failing task never stops the others: the command
prints each as it ends and, when any failed, ends with one line naming them and exit status 1.
"""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand, CommandError

from gis.core.models import Municipality
from gis.core.options import number_option
from gis.jobs import dasktask
from gis.jobs.analyses import one_line
from gis.jobs.batch import failures, local_client, plan, run_batch


class Command(BaseCommand):
    help = "Run every municipality's analyses as dask tasks (heat map, hot spots, ranking)."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--municipality",
            nargs="+",
            action="extend",
            metavar="CODE",
            help="the municipalities to analyse (codes)",
        )
        which.add_argument("--all", action="store_true", help="every municipality")
        parser.add_argument("--scheduler", help="address of an existing dask scheduler")
        parser.add_argument("--workers", help="size of the local cluster (default: CPUs / 2)")
        parser.add_argument(
            "--force", action="store_true", help="compute even what is done for the same data"
        )

    def handle(self, *args, **options) -> None:
        codes = self._codes(options["municipality"], options["all"])
        workers = number_option("--workers", options["workers"], integer=True)
        if workers is not None and workers < 1:
            raise CommandError(f"--workers must be at least 1, got {options['workers']}")
        if workers is not None and options["scheduler"]:
            raise CommandError("--workers sizes the local cluster; leave it out with --scheduler")
        pairs = plan(codes)
        started = time.perf_counter()
        client = self._client(options["scheduler"], workers)
        try:
            outcomes = run_batch(pairs, client, force=options["force"], report=self._progress)
        finally:
            client.close()
            if not options["scheduler"]:
                client.cluster.close()
        counts = {s: sum(o["status"] == s for o in outcomes) for s in ("done", "skipped")}
        failed = failures(outcomes)
        self.stdout.write(
            f"{len(codes)} municipalities, {len(pairs)} tasks: {counts['done']} done, "
            f"{counts['skipped']} skipped, {len(failed)} failed in "
            f"{time.perf_counter() - started:.1f} s"
        )
        if failed:
            named = "; ".join(f"{o['municipality']} {o['analysis']}: {o['error']}" for o in failed)
            raise CommandError(f"{len(failed)} of {len(pairs)} tasks failed: {named}")

    def _codes(self, given: list[str] | None, everyone: bool) -> list[str]:
        known = list(Municipality.objects.order_by("code").values_list("code", flat=True))
        if everyone:
            if not known:
                raise CommandError("--all: no municipality is loaded")
            return known
        if not given:
            raise CommandError("give --municipality CODE ... or --all")
        unknown = [code for code in dict.fromkeys(given) if code not in known]
        if unknown:
            choices = ", ".join(known) or "none loaded"
            raise CommandError(
                f"--municipality must be among {choices}, got {', '.join(map(repr, unknown))}"
            )
        return list(dict.fromkeys(given))

    def _client(self, scheduler: str | None, workers: int | None):
        if scheduler:
            from dask.distributed import Client

            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as error:
                raise CommandError(f"--scheduler {scheduler!r} does not answer: {error}") from None
        else:
            client = local_client(workers or max(1, (os.cpu_count() or 2) // 2))
        try:
            client.run(dasktask.warm)
        except Exception as error:
            client.close()
            raise CommandError(f"the dask workers cannot run Trygg: {one_line(error)}") from None
        return client

    def _progress(self, done: int, total: int, outcome: dict) -> None:
        width = len(str(total))
        line = (
            f"[{done:>{width}}/{total}] {outcome['municipality']} {outcome['analysis']:<10} "
            f"{outcome['status']:<7} {outcome['seconds']:6.1f} s"
        )
        if outcome["status"] == "failed":
            line += f"  {outcome['error']}"
        elif outcome.get("run"):
            line += f"  run {outcome['run']}"
        self.stdout.write(line)
        self.stdout.flush()
